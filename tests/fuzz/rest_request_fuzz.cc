// libFuzzer target for the REST adapter: raw bytes as one connection's stream of HTTP
// requests, through RequestParser (http-parser + limits), Api routing, auth, the
// JSON -> command mapping of both faces, and (for the commands a token may run) the
// real dispatcher, RESP -> JSON and the item/stream formatting. An input starting with
// a NUL byte instead feeds the rest to the RESP -> JSON decoder (json_reply.h
// invariant 1: never read past the end, whatever the bytes).
//
// The tokens have no admin scope, so server-wide commands (CONFIG, DEBUG, SHUTDOWN,
// FLUSHALL, ...) are refused by auth and never run; proto-max-bulk-len is 1 MB so a
// SETRANGE cannot allocate the fuzzer out of memory. The keyspace is flushed every
// 1000 inputs.
//
// Run: make fuzz (60 s), or build-fuzz/tests/fuzz/rest_request_fuzz tests/fuzz/rest_corpus
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../unit/rest/rest_harness.h"
#include "rest/json_reply.h"

namespace {

brisk::test::RestHarness& Harness() {
  static brisk::test::RestHarness* h = [] {
    brisk::rest::HttpLimits limits;
    limits.max_body = 8192;
    limits.max_header_size = 2048;
    auto* r = new brisk::test::RestHarness(
        {"rd read:users read:t*", "wr write:users write:t* read:*"}, limits);
    r->h().config().proto_max_bulk_len = 1024 * 1024;
    return r;
  }();
  return *h;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (!input.empty() && input[0] == '\0') {
    input.remove_prefix(1);
    std::string out;
    (void)brisk::rest::AppendReplyJson(input, true, &out);
    (void)brisk::rest::AppendResultObject(input, false, &out);
    std::vector<std::string_view> elems;
    (void)brisk::rest::ReplyArrayElements(input, &elems);
    return 0;
  }
  static uint64_t runs = 0;
  brisk::test::RestHarness& h = Harness();
  (void)h.Raw(input);
  if (++runs % 1000 == 0) {
    h.h().keyspace().FlushAll();
    h.exec().CloseStreams();
  }
  return 0;
}
