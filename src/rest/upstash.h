// Face 1: the Upstash REST conventions, so @upstash/redis and similar HTTP clients work
// unchanged.
//
//   POST /            body ["SET","k","v","EX",100]   -> {"result": ...} | 400 {"error"}
//   POST /pipeline    body [[...],[...]]  (not atomic) -> [{"result"}|{"error"}, ...]
//   POST /multi-exec  body [[...],[...]]  (atomic)     -> [{"result"}|{"error"}, ...]
//   GET|POST /set/k/v/ex/100   path style; a POST body is appended as the last argument
//   GET|POST /subscribe/<channel>, /psubscribe/<pattern>   Server-Sent Events (sse.h)
//   GET|POST /publish/<channel>/<message>                 (path style PUBLISH)
//
// Arguments may be JSON strings or numbers (written as JSON writes them); command names
// are case-insensitive. Upstash-Encoding: base64 encodes the strings of the result
// (json_reply.h). Every command passes Authorizer::CheckCommand before anything runs: one
// forbidden command of a pipeline or transaction refuses the whole request (403).
//
// Lock-free fast path: a single GET runs on the adapter thread against the engine
// (reader API) without visiting the loop; the reply is the one the loop would give
// (value, null, or WRONGTYPE). Everything else is one LoopJob.
//
// Thread safety: adapter thread (Handle*), main loop (the jobs' Run).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rest/api.h"

namespace brisk::rest {

// JSON body -> argv. `body` must be an array of strings/numbers (a command), or with
// `many`, an array of such arrays. False with the errors.h text in *error.
bool ParseCommands(std::string_view body, bool many, std::vector<std::vector<std::string>>* out,
                   std::string* error);

class UpstashApi {
 public:
  explicit UpstashApi(const ApiEnv& env) : env_(env) {}

  // POST / (kSingle), /pipeline, /multi-exec.
  enum class Mode : uint8_t { kSingle, kPipeline, kMulti };
  Outcome HandleBody(Mode mode, const HttpRequest& req, const Principal& who,
                     const RequestInfo& info, HttpResponse* resp);
  // Path style: segments are the decoded path (segments[0] is the command name).
  Outcome HandlePath(const std::vector<std::string>& segments, const HttpRequest& req,
                     const Principal& who, const RequestInfo& info, HttpResponse* resp);
  // /subscribe/<ch>..., /psubscribe/<pattern>...
  Outcome HandleSubscribe(bool pattern, const std::vector<std::string>& names, const Principal& who,
                          const RequestInfo& info, HttpResponse* resp);

 private:
  Outcome Submit(Mode mode, std::vector<std::vector<std::string>>&& commands, bool base64,
                 const Principal& who, const RequestInfo& info, HttpResponse* resp);
  // The lock-free GET; false if the command is not one it serves (or the value is newer
  // than what the append log released: api.h ReadCtx).
  bool TryFastRead(const std::vector<std::string>& argv, bool base64, HttpResponse* resp);

  const ApiEnv& env_;
};

}  // namespace brisk::rest
