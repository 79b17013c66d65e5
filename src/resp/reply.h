// ReplyBuilder: encodes replies in RESP2 or RESP3 into a caller-owned byte buffer.
//
// Thread safety: one builder per connection (or per in-process test); not shared.
//
// Contract:
//   1. Every method appends exactly one RESP element (or an aggregate header, after
//      which the caller appends exactly the announced number of elements; a map of
//      n pairs takes 2n elements).
//   2. The builder never allocates on its own: it appends to the std::string it was
//      given, whose capacity the connection reuses between commands.
//   3. RESP3-only types degrade to what Redis sends a RESP2 client: map -> flat array
//      of 2n, set -> array, null -> $-1 (NullArray -> *-1), double -> bulk string,
//      bool -> integer 0/1, verbatim -> bulk string, push -> array, big number -> bulk.
//   4. Doubles are formatted as Redis does ("%.17g", "inf"/"-inf"); RESP3 ",inf".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/errors.h"

namespace brisk::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out, int protocol = 2) : out_(out), protocol_(protocol) {}

  void set_protocol(int protocol) { protocol_ = protocol; }
  int protocol() const { return protocol_; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  void SimpleString(std::string_view s);  // +s   (s must not contain CR/LF)
  void Ok() { SimpleString("OK"); }
  // -text; text is a full error line such as "ERR syntax error" (no leading '-').
  // CR/LF inside text are replaced by spaces, as Redis does.
  void Error(std::string_view text);
  void Error(Err err) { Error(ErrorText(err)); }
  void Integer(int64_t v);        // :v
  void Bulk(std::string_view s);  // $len\r\ns\r\n
  void BulkInt(int64_t v);        // an integer formatted as a bulk string
  void Null();                    // RESP2 $-1, RESP3 _
  void NullArray();               // RESP2 *-1, RESP3 _
  void ArrayHeader(size_t n);     // *n
  void MapHeader(size_t pairs);   // RESP3 %n, RESP2 *2n
  void SetHeader(size_t n);       // RESP3 ~n, RESP2 *n
  void PushHeader(size_t n);      // RESP3 >n, RESP2 *n
  void Double(double v);          // RESP3 ,v  RESP2 bulk
  void Bool(bool v);              // RESP3 #t/#f RESP2 :1/:0
  void Verbatim(std::string_view s, std::string_view format = "txt");  // RESP3 =len\r\ntxt:s
  void BigNumber(std::string_view digits);                             // RESP3 (n RESP2 bulk
  void EmptyArray() { ArrayHeader(0); }
  // Appends pre-encoded RESP bytes verbatim (e.g. a shared, encoded-once message).
  void Raw(std::string_view bytes) { out_->append(bytes); }

 private:
  void Header(char type, uint64_t n);
  void Line(char type, int64_t v);

  std::string* out_;
  int protocol_;
};

}  // namespace brisk::resp
