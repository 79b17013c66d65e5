// Server-Sent Events text (https://html.spec.whatwg.org/multipage/server-sent-events.html)
// for the adapter's streams, and the HTTP/1.1 chunk framing they travel in.
//
//   Upstash (GET|POST /subscribe/<channel>, /psubscribe/<pattern>), as @upstash/redis
//   parses it:   data: subscribe,<channel>,<count>
//                data: message,<channel>,<payload>
//                data: pmessage,<pattern>,<channel>,<payload>
//   Table events (GET /v1/tables/{t}/events), one JSON object per change:
//                data: {"event":"set","key":"42"}      (the key without "t:")
//
// Thread safety: pure functions.
// Invariant: every event ends with a blank line, and a payload's line breaks become
// separate "data:" lines, so no payload can end an event early or forge a field.
#pragma once

#include <string>
#include <string_view>

#include "commands/command.h"

namespace brisk::rest {

// One event whose data is `data`.
void AppendSseData(std::string_view data, std::string* out);
// A comment line (": text"), e.g. keep-alive pings; ignored by clients.
void AppendSseComment(std::string_view text, std::string* out);
// The Upstash form of a pub/sub frame [verb, (pattern,) channel, payload|count].
void AppendUpstashEvent(cmd::CmdArgs frame, std::string* out);
// A table event message "<event> <key>" of table `table` (separator `sep`).
void AppendTableEvent(std::string_view message, std::string_view table, char sep, std::string* out);
// HTTP/1.1 chunked framing of text (empty text: the last chunk).
void AppendChunk(std::string_view text, std::string* out);

}  // namespace brisk::rest
