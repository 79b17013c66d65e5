#include "rest/tables_api.h"

#include <strings.h>
#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "common/errors.h"
#include "common/keyspace_events.h"
#include "rest/executor.h"
#include "rest/json.h"
#include "rest/json_reply.h"

namespace brisk::rest {

namespace {

using Json = nlohmann::json;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 1000;
constexpr size_t kMaxBatch = 1000;

std::string GlobEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool ParseUint(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    if (v > (UINT64_MAX - uint64_t(c - '0')) / 10) return false;
    v = v * 10 + uint64_t(c - '0');
  }
  *out = v;
  return true;
}

bool ParseInt(std::string_view s, int64_t* out) {
  bool neg = !s.empty() && s[0] == '-';
  uint64_t v;
  if (!ParseUint(neg ? s.substr(1) : s, &v)) return false;
  if (v > uint64_t(INT64_MAX) + (neg ? 1 : 0)) return false;
  *out = neg ? int64_t(0 - v) : int64_t(v);
  return true;
}

// {"key": k, "value": v, "ttl": n} for an entry of `table` (the key without its prefix).
void AppendItem(const engine::Entry& e, size_t prefix_len, int64_t now_ms, std::string* out) {
  char scratch[32];
  std::string_view value = e.StringValue(scratch);
  out->append("{\"key\":");
  AppendJsonString(e.key().substr(std::min(prefix_len, e.key().size())), out);
  out->append(",\"value\":");
  if (IsJsonText(value)) {
    out->append(value);
  } else {
    AppendJsonString(value, out);
  }
  out->append(",\"ttl\":");
  AppendJsonInt(TtlSeconds(e.expire_at_ms(), now_ms), out);
  out->push_back('}');
}

bool IsJsonContentType(std::string_view ct) {
  return ct.size() >= 16 && strncasecmp(ct.data(), "application/json", 16) == 0;
}

bool ArgOf(const Json& v, std::string* out) {
  if (v.is_string()) {
    *out = v.get_ref<const std::string&>();
    return true;
  }
  if (v.is_number()) {
    *out = v.dump();
    return true;
  }
  return false;
}

// The keys of a {"keys": [...]} body; false with the error response.
bool ParseKeys(std::string_view body, std::vector<std::string>* keys, HttpResponse* resp) {
  Json j = Json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded()) {
    *resp = ErrorResponse(400, ErrorText(Err::kRestBadJson));
    return false;
  }
  if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) {
    *resp = ErrorResponse(400, FormatError(Err::kRestBadBody, {"expected {\"keys\": [...]}"}));
    return false;
  }
  const Json& arr = j["keys"];
  if (arr.size() > kMaxBatch) {
    *resp = ErrorResponse(400, FormatError(Err::kRestBadBody, {"at most 1000 keys per batch"}));
    return false;
  }
  keys->resize(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) {
    if (!ArgOf(arr[i], &(*keys)[i])) {
      *resp = ErrorResponse(400, FormatError(Err::kRestBadBody, {"keys must be strings"}));
      return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------
// Jobs (run on the main loop)

// The If-Match / If-None-Match of a write, checked on the loop against the live entry.
struct Condition {
  std::string if_match;
  std::string if_none_match;
  bool any() const { return !if_match.empty() || !if_none_match.empty(); }
  // True if the write may go on; else *err is 412's error row.
  bool Check(const engine::Entry* e, Err* err) const {
    if (!if_match.empty() && (e == nullptr || !EtagListMatches(if_match, ItemEtag(*e)))) {
      *err = Err::kRestItemChanged;
      return false;
    }
    if (!if_none_match.empty() && e != nullptr && EtagListMatches(if_none_match, ItemEtag(*e))) {
      *err = Err::kRestItemExists;
      return false;
    }
    return true;
  }
};

// PUT / DELETE of one item, incr: the condition, the commands, and the item afterwards.
class ItemWriteJob final : public LoopJob {
 public:
  enum class Kind : uint8_t { kPut, kDelete, kIncr };

  ItemWriteJob(Kind kind, std::string key, size_t prefix_len, Condition cond)
      : kind_(kind), key_(std::move(key)), prefix_len_(prefix_len), cond_(std::move(cond)) {}

  std::string value;  // kPut: the bytes; kIncr: the increment
  int64_t ttl_ms = 0;

  void Run(LoopExecutor& loop) override {
    const engine::Entry* e = loop.Peek(key_);
    if (!cond_.Check(e, &failed_)) {
      precondition_failed_ = true;
      return;
    }
    bool existed = e != nullptr;
    std::vector<std::string> argv;
    switch (kind_) {
      case Kind::kPut:
        argv = {"SET", key_, value};
        if (ttl_ms > 0) {
          argv.push_back("PX");
          argv.push_back(std::to_string(ttl_ms));
        }
        break;
      case Kind::kDelete:
        argv = {"DEL", key_};
        break;
      case Kind::kIncr:
        argv = {"INCRBY", key_, value};
        break;
    }
    loop.Run(argv, &reply_);
    std::string_view err;
    if (ReplyIsError(reply_, &err)) return;
    if (kind_ == Kind::kIncr && !existed && ttl_ms > 0) {
      std::string ignored;
      loop.Run({"PEXPIRE", key_, std::to_string(ttl_ms)}, &ignored);
    }
    if (kind_ == Kind::kPut) {
      if (const engine::Entry* now = loop.Peek(key_)) {
        etag_ = ItemEtag(*now);
        AppendItem(*now, prefix_len_, loop.now_ms(), &item_);
      }
    }
  }

  void Finish(Responder& responder) override {
    HttpResponse resp;
    std::string_view err;
    if (precondition_failed_) {
      resp = ErrorResponse(412, ErrorText(failed_));
    } else if (ReplyIsError(reply_, &err)) {
      resp = ErrorResponse(400, err);
    } else if (kind_ == Kind::kPut) {
      resp.body = item_;
      resp.etag = etag_;
    } else {
      long long n = 0;
      ReplyInteger(reply_, &n);
      resp.body = kind_ == Kind::kDelete ? "{\"deleted\":" : "{\"value\":";
      AppendJsonInt(n, &resp.body);
      resp.body.push_back('}');
    }
    responder.Deliver(token, std::move(resp));
  }

 private:
  Kind kind_;
  std::string key_;
  size_t prefix_len_;
  Condition cond_;
  bool precondition_failed_ = false;
  Err failed_ = Err::kRestItemChanged;
  std::string reply_, item_, etag_;
};

// Commands whose integer reply is the answer: TABLE DROP, batch delete, batch set.
class CountJob final : public LoopJob {
 public:
  CountJob(std::string field, std::vector<std::vector<std::string>> commands)
      : field_(std::move(field)), commands_(std::move(commands)) {}

  void Run(LoopExecutor& loop) override {
    for (const auto& argv : commands_) {
      reply_.clear();
      loop.Run(argv, &reply_);
      std::string_view err;
      long long n;
      if (ReplyIsError(reply_, &err)) {
        error_.assign(err);
      } else if (ReplyInteger(reply_, &n)) {
        count_ += n;
      } else {
        ++count_;  // +OK of a SET
      }
    }
  }

  void Finish(Responder& responder) override {
    HttpResponse resp;
    if (!error_.empty()) {
      resp = ErrorResponse(400, error_);
    } else {
      resp.body = "{\"" + field_ + "\":";
      AppendJsonInt(count_, &resp.body);
      resp.body.push_back('}');
    }
    responder.Deliver(token, std::move(resp));
  }

 private:
  std::string field_;
  std::vector<std::vector<std::string>> commands_;
  std::string reply_, error_;
  int64_t count_ = 0;
};

class TableEventsJob final : public LoopJob {
 public:
  explicit TableEventsJob(std::string table) : table_(std::move(table)) {}

  void Run(LoopExecutor& loop) override {
    uint32_t flags = loop.server().config->notify_keyspace_events;
    if (!(flags & notify::kTable) || notify::ActiveClasses(flags) == 0) {
      off_ = true;
      return;
    }
    first_events_ = loop.Subscribe(token.conn_id, StreamFormat::kTableEvents, false,
                                   {"__table@0__:" + table_}, peer);
  }

  void Finish(Responder& responder) override {
    if (off_) {
      responder.Deliver(token, ErrorResponse(409, ErrorText(Err::kRestTableEventsOff)));
      return;
    }
    HttpResponse head;
    head.content_type = "text/event-stream";
    head.stream = true;
    head.body = std::move(first_events_);
    responder.Deliver(token, std::move(head));
  }
  bool holds_for_log() const override { return false; }

 private:
  std::string table_;
  std::string first_events_;
  bool off_ = false;
};

}  // namespace

bool ParseTtl(std::string_view text, int64_t* ms) {
  if (text.empty()) return false;
  int64_t unit = 1;
  switch (text.back()) {
    case 's':
      unit = 1;
      break;
    case 'm':
      unit = 60;
      break;
    case 'h':
      unit = 3600;
      break;
    case 'd':
      unit = 86400;
      break;
    case 'w':
      unit = 604800;
      break;
    default:
      unit = 0;
  }
  if (unit != 0)
    text.remove_suffix(1);
  else
    unit = 1;
  uint64_t n;
  constexpr uint64_t kMaxSeconds = uint64_t(1) << 40;  // ~34,000 years
  if (!ParseUint(text, &n) || n == 0 || n > kMaxSeconds / uint64_t(unit)) return false;
  *ms = int64_t(n) * unit * 1000;
  return true;
}

std::string ItemEtag(const engine::Entry& e) {
  char scratch[32];
  std::string_view value = e.StringValue(scratch);
  uint64_t meta[2] = {uint64_t(e.expire_at_ms()), e.lsn()};
  uint64_t seed = XXH3_64bits(meta, sizeof(meta));
  uint64_t h = XXH3_64bits_withSeed(value.data(), value.size(), seed);
  char buf[24];
  snprintf(buf, sizeof(buf), "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

bool EtagListMatches(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view one = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!one.empty() && (one.front() == ' ' || one.front() == '\t')) one.remove_prefix(1);
    while (!one.empty() && (one.back() == ' ' || one.back() == '\t')) one.remove_suffix(1);
    if (one == "*") return true;
    if (one.substr(0, 2) == "W/") one.remove_prefix(2);
    if (one == etag) return true;
  }
  return false;
}

namespace {

// The reads (api.h RunRead): they run with `reader` on the adapter thread, or with null
// on the loop; everything they use is captured by value.

bool ListTables(const engine::Keyspace* ks, const ReadCtx& ctx, const Principal& who,
                HttpResponse* resp) {
  struct Row {
    std::string name;
    size_t items, bytes;
  };
  std::vector<Row> rows;
  {
    ReadScope scope(ctx.reader);
    ks->db(0).ReadTables([&](const engine::TableStats& t) {
      if (who.Allows(Level::kRead, t.name)) rows.push_back({std::string(t.name), t.items, t.bytes});
    });
  }
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.name < b.name; });
  std::string& out = resp->body;
  out = "{\"tables\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append("{\"name\":");
    AppendJsonString(rows[i].name, &out);
    out.append(",\"items\":");
    AppendJsonInt(int64_t(rows[i].items), &out);
    out.append(",\"bytes\":");
    AppendJsonInt(int64_t(rows[i].bytes), &out);
    out.push_back('}');
  }
  out.append("]}");
  return true;
}

bool TableInfo(const engine::Keyspace* ks, const ReadCtx& ctx, const std::string& table,
               HttpResponse* resp) {
  bool found = false;
  size_t items = 0, bytes = 0, volatile_items = 0;
  {
    ReadScope scope(ctx.reader);
    ks->db(0).ReadTables([&](const engine::TableStats& t) {
      if (t.name == table) {
        found = true;
        items = t.items;
        bytes = t.bytes;
        volatile_items = t.volatile_items;
      }
    });
  }
  if (!found) {
    *resp = ErrorResponse(404, ErrorText(Err::kTableNotFound));
    return true;
  }
  std::string& out = resp->body;
  out = "{\"name\":";
  AppendJsonString(table, &out);
  out.append(",\"items\":");
  AppendJsonInt(int64_t(items), &out);
  out.append(",\"bytes\":");
  AppendJsonInt(int64_t(bytes), &out);
  out.append(",\"volatile_items\":");
  AppendJsonInt(int64_t(volatile_items), &out);
  out.push_back('}');
  return true;
}

struct ItemQuery {
  std::string pattern;  // SCAN MATCH: escaped "<table><sep><prefix>*"
  size_t prefix_len = 0;
  std::string suffix, contains;
  uint64_t cursor = 0, limit = kDefaultLimit;
};

bool ListItems(const engine::Keyspace* ks, const ReadCtx& ctx, const ItemQuery& q,
               HttpResponse* resp) {
  std::string& out = resp->body;
  out = "{\"items\":[";
  size_t found = 0;
  // A page never splits one SCAN step (the cursor stays stateless and keeps SCAN's
  // guarantee), so it may hold a few more than `limit` items; filters that reject most
  // keys end the page after kMaxLimit * 10 examined entries with a cursor to go on.
  size_t examined = 0;
  uint64_t cursor = q.cursor;
  int64_t now = clock::UnixMs();
  bool durable = true;
  {
    ReadScope scope(ctx.reader);
    do {
      cursor = ks->db(0).ReadScan(
          cursor, q.pattern, size_t(q.limit) - found, now, [&](const engine::Entry& e) {
            ++examined;
            if (e.type() != engine::ObjType::kString) return;
            std::string_view name = e.key().substr(std::min(q.prefix_len, e.key().size()));
            if (!q.suffix.empty() && (name.size() < q.suffix.size() ||
                                      name.substr(name.size() - q.suffix.size()) != q.suffix)) {
              return;
            }
            if (!q.contains.empty() && name.find(q.contains) == std::string_view::npos) return;
            durable &= ctx.Durable(e);
            if (found++ > 0) out.push_back(',');
            AppendItem(e, q.prefix_len, now, &out);
          });
    } while (durable && cursor != 0 && found < q.limit && examined < kMaxLimit * 10);
  }
  if (!durable) return false;
  out.append("],\"next_cursor\":");
  if (cursor == 0) {
    out.append("null");
  } else {
    AppendJsonString(std::to_string(cursor), &out);
  }
  out.push_back('}');
  return true;
}

bool GetItem(const engine::Keyspace* ks, const ReadCtx& ctx, const std::string& key,
             size_t prefix_len, const std::string& if_none_match, HttpResponse* resp) {
  int64_t now = clock::UnixMs();
  ReadScope scope(ctx.reader);
  engine::ReadSection section;
  const engine::Entry* e = ks->db(0).ReadFind(key, now);
  if (e == nullptr) {
    *resp = ErrorResponse(404, ErrorText(Err::kNoSuchKey));
    return true;
  }
  if (!ctx.Durable(*e)) return false;
  if (e->type() != engine::ObjType::kString) {
    *resp = ErrorResponse(400, ErrorText(Err::kWrongType));
    return true;
  }
  resp->etag = ItemEtag(*e);
  if (!if_none_match.empty() && EtagListMatches(if_none_match, resp->etag)) {
    resp->status = 304;
    return true;
  }
  resp->body.clear();
  AppendItem(*e, prefix_len, now, &resp->body);
  return true;
}

bool BatchGet(const engine::Keyspace* ks, const ReadCtx& ctx, const std::vector<std::string>& keys,
              size_t prefix_len, HttpResponse* resp) {
  std::string& out = resp->body;
  out = "{\"items\":[";
  int64_t now = clock::UnixMs();
  ReadScope scope(ctx.reader);
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0) out.push_back(',');
    engine::ReadSection section;
    const engine::Entry* e = ks->db(0).ReadFind(keys[i], now);
    if (e != nullptr && !ctx.Durable(*e)) return false;
    if (e == nullptr || e->type() != engine::ObjType::kString) {
      out.append("null");
    } else {
      AppendItem(*e, prefix_len, now, &out);
    }
  }
  out.append("]}");
  return true;
}

}  // namespace

std::string TablesApi::FullKey(std::string_view table, std::string_view key) const {
  std::string k(table);
  k.push_back(env_.separator);
  k.append(key);
  return k;
}

Outcome TablesApi::Submit(std::unique_ptr<LoopJob> job, const RequestInfo& info) {
  job->token = info.token;
  job->peer.assign(info.peer);
  env_.jobs->Submit(std::move(job));
  return Outcome::kPending;
}

Outcome TablesApi::Handle(const std::vector<std::string>& seg, const HttpRequest& req,
                          const Principal& who, const RequestInfo& info, HttpResponse* resp,
                          Route* route) {
  *route = Route::kTables;
  Method m = req.method;
  auto not_found = [&] {
    *resp = ErrorResponse(404, FormatError(Err::kRestNotFound, {req.path()}));
    return Outcome::kDone;
  };
  auto bad_method = [&] {
    *resp =
        ErrorResponse(405, FormatError(Err::kRestMethodNotAllowed, {MethodName(m), req.path()}));
    return Outcome::kDone;
  };
  auto denied = [&](Level level, std::string_view table) {
    CheckResult c = env_.auth->CheckTable(who, level, table);
    if (c.verdict == Verdict::kAllowed) return false;
    *resp = ForbiddenOrUnavailable(c);
    return true;
  };
  if (seg.size() < 2 || seg[1] != "tables") return not_found();
  if (seg.size() == 2) {
    if (m != Method::kGet) return bad_method();
    const engine::Keyspace* ks = env_.keyspace;
    return RunRead(env_, info, resp, [ks, who](const ReadCtx& ctx, HttpResponse* out) {
      return rest::ListTables(ks, ctx, who, out);
    });
  }
  const std::string& table = seg[2];
  if (table.empty() || table.find(env_.separator) != std::string::npos) {
    *resp = ErrorResponse(400, FormatError(Err::kRestBadParam, {"table"}));
    return Outcome::kDone;
  }
  if (seg.size() == 3) {
    if (m == Method::kGet) {
      if (denied(Level::kRead, table)) return Outcome::kDone;
      const engine::Keyspace* ks = env_.keyspace;
      return RunRead(env_, info, resp, [ks, table](const ReadCtx& ctx, HttpResponse* out) {
        return rest::TableInfo(ks, ctx, table, out);
      });
    }
    if (m != Method::kDelete) return bad_method();
    if (denied(Level::kAdmin, table)) return Outcome::kDone;
    return Submit(std::make_unique<CountJob>(
                      "deleted", std::vector<std::vector<std::string>>{{"TABLE", "DROP", table}}),
                  info);
  }
  const std::string& what = seg[3];
  if (what == "events" && seg.size() == 4) {
    *route = Route::kEvents;
    if (m != Method::kGet) return bad_method();
    if (denied(Level::kRead, table)) return Outcome::kDone;
    return Submit(std::make_unique<TableEventsJob>(table), info);
  }
  if (what == "batch" && seg.size() == 5) {
    *route = Route::kBatch;
    if (m != Method::kPost) return bad_method();
    const std::string& op = seg[4];
    if (op == "get") {
      return denied(Level::kRead, table) ? Outcome::kDone : BatchGet(table, req, info, resp);
    }
    if (op != "set" && op != "delete") return not_found();
    if (denied(Level::kWrite, table)) return Outcome::kDone;
    if (op == "delete") {
      std::vector<std::string> keys;
      if (!ParseKeys(req.body, &keys, resp)) return Outcome::kDone;
      if (keys.empty()) {
        resp->body = "{\"deleted\":0}";
        return Outcome::kDone;
      }
      std::vector<std::string> del = {"DEL"};
      for (const std::string& k : keys) del.push_back(FullKey(table, k));
      return Submit(
          std::make_unique<CountJob>("deleted", std::vector<std::vector<std::string>>{del}), info);
    }
    Json j = Json::parse(req.body.begin(), req.body.end(), nullptr, false);
    if (j.is_discarded()) {
      *resp = ErrorResponse(400, ErrorText(Err::kRestBadJson));
      return Outcome::kDone;
    }
    if (!j.is_object() || !j.contains("items") || !j["items"].is_array() ||
        j["items"].size() > kMaxBatch) {
      *resp = ErrorResponse(
          400,
          FormatError(Err::kRestBadBody, {"expected {\"items\": [{\"key\", \"value\", \"ttl\"}] "
                                          "(at most 1000)"}));
      return Outcome::kDone;
    }
    std::vector<std::vector<std::string>> sets;
    for (const Json& item : j["items"]) {
      std::string key, value;
      if (!item.is_object() || !item.contains("key") || !ArgOf(item["key"], &key) ||
          !item.contains("value")) {
        *resp = ErrorResponse(
            400,
            FormatError(Err::kRestBadBody, {"every item needs a string \"key\" and a \"value\""}));
        return Outcome::kDone;
      }
      const Json& v = item["value"];
      value = v.is_string() ? v.get_ref<const std::string&>() : v.dump();
      std::vector<std::string> argv = {"SET", FullKey(table, key), std::move(value)};
      if (item.contains("ttl") && !item["ttl"].is_null()) {
        std::string ttl_text;
        int64_t ms;
        if (!ArgOf(item["ttl"], &ttl_text) || !ParseTtl(ttl_text, &ms)) {
          *resp = ErrorResponse(400, FormatError(Err::kRestBadTtl, {ttl_text}));
          return Outcome::kDone;
        }
        argv.push_back("PX");
        argv.push_back(std::to_string(ms));
      }
      sets.push_back(std::move(argv));
    }
    if (sets.empty()) {
      resp->body = "{\"set\":0}";
      return Outcome::kDone;
    }
    return Submit(std::make_unique<CountJob>("set", std::move(sets)), info);
  }
  if (what != "items") return not_found();
  *route = Route::kItems;
  if (seg.size() == 4) {
    if (m != Method::kGet) return bad_method();
    return denied(Level::kRead, table) ? Outcome::kDone : ListItems(table, req, info, resp);
  }
  const std::string& key = seg[4];
  bool incr = seg.size() == 6 && seg[5] == "incr";
  if (seg.size() > 5 && !incr) return not_found();
  if (!incr && m == Method::kGet) {
    if (denied(Level::kRead, table)) return Outcome::kDone;
    const engine::Keyspace* ks = env_.keyspace;
    return RunRead(env_, info, resp,
                   [ks, full = FullKey(table, key), prefix_len = table.size() + 1,
                    inm = req.if_none_match](const ReadCtx& ctx, HttpResponse* out) {
                     return rest::GetItem(ks, ctx, full, prefix_len, inm, out);
                   });
  }
  if ((incr && m != Method::kPost) || (!incr && m != Method::kPut && m != Method::kDelete)) {
    return bad_method();
  }
  if (denied(Level::kWrite, table)) return Outcome::kDone;
  Condition cond{req.if_match, req.if_none_match};
  std::string ttl_text;
  int64_t ttl_ms = 0;
  if (req.QueryParam("ttl", &ttl_text) && !ParseTtl(ttl_text, &ttl_ms)) {
    *resp = ErrorResponse(400, FormatError(Err::kRestBadTtl, {ttl_text}));
    return Outcome::kDone;
  }
  size_t prefix_len = table.size() + 1;
  if (incr) {
    std::string by = "1";
    int64_t n;
    if (req.QueryParam("by", &by) && !ParseInt(by, &n)) {
      *resp = ErrorResponse(400, FormatError(Err::kRestBadParam, {"by"}));
      return Outcome::kDone;
    }
    auto job = std::make_unique<ItemWriteJob>(ItemWriteJob::Kind::kIncr, FullKey(table, key),
                                              prefix_len, std::move(cond));
    job->value = by;
    job->ttl_ms = ttl_ms;
    return Submit(std::move(job), info);
  }
  if (m == Method::kDelete) {
    return Submit(std::make_unique<ItemWriteJob>(ItemWriteJob::Kind::kDelete, FullKey(table, key),
                                                 prefix_len, std::move(cond)),
                  info);
  }
  if (IsJsonContentType(req.content_type) && !IsJsonText(req.body)) {
    *resp = ErrorResponse(400, ErrorText(Err::kRestBadJson));
    return Outcome::kDone;
  }
  auto job = std::make_unique<ItemWriteJob>(ItemWriteJob::Kind::kPut, FullKey(table, key),
                                            prefix_len, std::move(cond));
  job->value = req.body;
  job->ttl_ms = ttl_ms;
  return Submit(std::move(job), info);
}

Outcome TablesApi::ListItems(const std::string& table, const HttpRequest& req,
                             const RequestInfo& info, HttpResponse* resp) {
  ItemQuery q;
  std::string prefix, text;
  req.QueryParam("prefix", &prefix);
  req.QueryParam("suffix", &q.suffix);
  req.QueryParam("contains", &q.contains);
  if (req.QueryParam("cursor", &text) && !text.empty() && !ParseUint(text, &q.cursor)) {
    *resp = ErrorResponse(400, FormatError(Err::kRestBadParam, {"cursor"}));
    return Outcome::kDone;
  }
  if (req.QueryParam("limit", &text) &&
      (!ParseUint(text, &q.limit) || q.limit == 0 || q.limit > kMaxLimit)) {
    *resp = ErrorResponse(400, FormatError(Err::kRestBadParam, {"limit"}));
    return Outcome::kDone;
  }
  q.pattern = GlobEscape(table);
  q.pattern.push_back(env_.separator);
  q.pattern += GlobEscape(prefix);
  q.pattern.push_back('*');
  q.prefix_len = table.size() + 1;
  const engine::Keyspace* ks = env_.keyspace;
  return RunRead(env_, info, resp, [ks, q = std::move(q)](const ReadCtx& ctx, HttpResponse* out) {
    return rest::ListItems(ks, ctx, q, out);
  });
}

Outcome TablesApi::BatchGet(const std::string& table, const HttpRequest& req,
                            const RequestInfo& info, HttpResponse* resp) {
  std::vector<std::string> keys;
  if (!ParseKeys(req.body, &keys, resp)) return Outcome::kDone;
  for (std::string& k : keys) k = FullKey(table, k);
  const engine::Keyspace* ks = env_.keyspace;
  size_t prefix_len = table.size() + 1;
  return RunRead(env_, info, resp,
                 [ks, keys = std::move(keys), prefix_len](const ReadCtx& ctx, HttpResponse* out) {
                   return rest::BatchGet(ks, ctx, keys, prefix_len, out);
                 });
}

}  // namespace brisk::rest
