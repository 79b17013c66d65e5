// Face 2: tables and items as HTTP resources. A table is the key prefix before the
// table separator (README "Tables"); an item is one key of it, addressed without the
// prefix: item "42" of table "users" is the key "users:42".
//
//   GET    /v1/tables                        {"tables":[{"name","items","bytes"}]}
//   GET    /v1/tables/{t}                    {"name","items","bytes","volatile_items"}
//   DELETE /v1/tables/{t}                    {"deleted": n}          (TABLE DROP; admin)
//   GET    /v1/tables/{t}/items?prefix=&suffix=&contains=&cursor=&limit=
//                                            {"items":[item...],"next_cursor":"c"|null}
//   GET    /v1/tables/{t}/items/{key}        item, ETag                 (404 if absent)
//   PUT    /v1/tables/{t}/items/{key}?ttl=   body = the value; item, ETag
//   DELETE /v1/tables/{t}/items/{key}        {"deleted": 0|1}
//   POST   /v1/tables/{t}/items/{key}/incr?by=1&ttl=60   {"value": n}
//   POST   /v1/tables/{t}/batch/get     {"keys":[...]}   -> {"items":[item|null...]}
//   POST   /v1/tables/{t}/batch/set     {"items":[{"key","value","ttl"}]} -> {"set": n}
//   POST   /v1/tables/{t}/batch/delete  {"keys":[...]}   -> {"deleted": n}
//   GET    /v1/tables/{t}/events        Server-Sent Events of the table's changes
//
// An item is {"key": k, "value": v, "ttl": seconds or -1}: v is the stored bytes
// embedded as JSON when they are JSON text, else as a string. PUT stores the body bytes
// as they are (a JSON body must be valid JSON: 400 otherwise); batch/set stores a JSON
// string value as its characters and any other JSON value as its JSON text, so that a
// GET gives back what was set. ttl: seconds, or 30s / 5m / 1h / 2d / 1w. A PUT without
// ttl removes any TTL (as SET does); incr's ttl applies only when it creates the counter.
//
// Versions: an item's ETag is a hash of its value, its expiry deadline and, when the
// engine tracks it, the LSN of its last change (keyspace.h invariant 4), so it changes
// whenever the item does (an identical rewrite without LSN tracking keeps it).
// If-Match (a list of ETags, or *) and If-None-Match (* or ETags) on PUT / DELETE /
// incr are checked on the main loop in the same job as the write, so the check and the
// write are atomic; a failed condition answers 412 and writes nothing. GET with a
// matching If-None-Match answers 304.
//
// Reads (GET of tables, items, listings, batch/get) run on the adapter thread against
// the engine's reader API; writes are LoopJobs running the same commands a RESP client
// would (SET, DEL, INCRBY, PEXPIRE, TABLE DROP), so the log, notifications and WATCH
// see them as usual. Scopes: reads need read on {t}, writes write, DELETE of a table
// admin; the table listing shows only the tables the token may read.
//
// Thread safety: adapter thread (Handle), main loop (the jobs' Run).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rest/api.h"

namespace brisk::rest {

// "30" (seconds), "30s", "5m", "1h", "2d", "1w" -> milliseconds; false if malformed,
// zero, negative or absurdly large.
bool ParseTtl(std::string_view text, int64_t* ms);

// The ETag of an entry ("\"<16 hex digits>\"").
std::string ItemEtag(const engine::Entry& e);

// Whether an If-Match / If-None-Match value lists `etag` ("*" matches any item).
bool EtagListMatches(std::string_view header, std::string_view etag);

class TablesApi {
 public:
  explicit TablesApi(const ApiEnv& env) : env_(env) {}

  // segments: the decoded path, starting with "v1".
  Outcome Handle(const std::vector<std::string>& segments, const HttpRequest& req,
                 const Principal& who, const RequestInfo& info, HttpResponse* resp, Route* route);

 private:
  Outcome ListItems(const std::string& table, const HttpRequest& req, const RequestInfo& info,
                    HttpResponse* resp);
  Outcome BatchGet(const std::string& table, const HttpRequest& req, const RequestInfo& info,
                   HttpResponse* resp);
  Outcome Submit(std::unique_ptr<LoopJob> job, const RequestInfo& info);

  std::string FullKey(std::string_view table, std::string_view key) const;

  const ApiEnv& env_;
};

}  // namespace brisk::rest
