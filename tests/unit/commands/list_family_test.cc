// List commands against the exact RESP bytes Redis 7 sends, encodings and their
// conversions, generic commands on list keys, events, effects, and a randomized
// comparison with a std::deque model.
#include <catch2/catch.hpp>

#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "collection_test_util.h"
#include "engine/table.h"

namespace brisk::test {
namespace {

const std::string kNilArr = "*-1\r\n";
const std::string kEmpty = "*0\r\n";

struct Fixture : CollectionFixture {
  std::vector<std::string> All(std::string_view key) {
    return Flat(Run({"lrange", key, "0", "-1"}));
  }
};

TEST_CASE("LPUSH / RPUSH / LRANGE / LLEN / LINDEX basics", "[list]") {
  Fixture f;
  CHECK(f.Run({"rpush", "l", "a", "b", "c"}) == Int(3));
  CHECK(f.Run({"lpush", "l", "x", "y"}) == Int(5));
  CHECK(f.Run({"lrange", "l", "0", "-1"}) == BulkArr({"y", "x", "a", "b", "c"}));
  CHECK(f.Run({"lrange", "l", "1", "2"}) == BulkArr({"x", "a"}));
  CHECK(f.Run({"lrange", "l", "-2", "100"}) == BulkArr({"b", "c"}));
  CHECK(f.Run({"lrange", "l", "-100", "0"}) == BulkArr({"y"}));
  CHECK(f.Run({"lrange", "l", "3", "1"}) == kEmpty);
  CHECK(f.Run({"lrange", "l", "5", "10"}) == kEmpty);
  CHECK(f.Run({"lrange", "nokey", "0", "-1"}) == kEmpty);
  CHECK(f.Run({"llen", "l"}) == Int(5));
  CHECK(f.Run({"llen", "nokey"}) == Int(0));
  CHECK(f.Run({"lindex", "l", "0"}) == Bulk("y"));
  CHECK(f.Run({"lindex", "l", "-1"}) == Bulk("c"));
  CHECK(f.Run({"lindex", "l", "5"}) == kNil);
  CHECK(f.Run({"lindex", "l", "-6"}) == kNil);
  CHECK(f.Run({"lindex", "nokey", "x"}) == kNil);  // Redis looks the key up first
  CHECK(f.Run({"lindex", "l", "x"}) == kNotInt);
  CHECK(f.Run({"lpushx", "nokey", "a"}) == Int(0));
  CHECK(f.Run({"exists", "nokey"}) == Int(0));
  CHECK(f.Run({"rpushx", "l", "z"}) == Int(6));
  CHECK(f.Run({"lpushx", "l", "w", "v"}) == Int(8));
  CHECK(f.Run({"type", "l"}) == "+list\r\n");
  CHECK(f.Encoding("l") == Bulk("listpack"));
  CHECK(f.Run({"rpush", "e", ""}) == Int(1));
  CHECK(f.Run({"lindex", "e", "0"}) == Bulk(""));
}

TEST_CASE("LPOP / RPOP with and without count", "[list]") {
  Fixture f;
  f.Run({"rpush", "l", "a", "b", "c", "d", "e"});
  CHECK(f.Run({"lpop", "l"}) == Bulk("a"));
  CHECK(f.Run({"rpop", "l"}) == Bulk("e"));
  CHECK(f.Run({"lpop", "l", "2"}) == BulkArr({"b", "c"}));
  CHECK(f.Run({"lpop", "l", "0"}) == kEmpty);
  CHECK(f.Run({"rpop", "l", "10"}) == BulkArr({"d"}));
  CHECK(f.Run({"exists", "l"}) == Int(0));
  CHECK(f.Run({"lpop", "l"}) == kNil);
  CHECK(f.Run({"lpop", "l", "1"}) == kNilArr);
  CHECK(f.Run({"lpop", "l", "0"}) == kNilArr);
  CHECK(f.Run({"lpop", "l", "-1"}) == Err("ERR value is out of range, must be positive"));
  CHECK(f.Run({"lpop", "l", "x"}) == kNotInt);
  CHECK(f.Run({"lpop", "l", "1", "2"}) == Err("ERR wrong number of arguments for 'lpop' command"));
  f.Run({"rpush", "r", "1", "2", "3"});
  CHECK(f.Run({"rpop", "r", "2"}) == BulkArr({"3", "2"}));
  f.h.client().resp = 3;
  CHECK(f.Run({"lpop", "nokey", "1"}) == "_\r\n");
}

TEST_CASE("LSET / LINSERT / LREM / LTRIM / LPOS", "[list]") {
  Fixture f;
  f.Run({"rpush", "l", "a", "b", "a", "c", "a"});
  CHECK(f.Run({"lset", "l", "1", "B"}) == kOk);
  CHECK(f.Run({"lset", "l", "-1", "Z"}) == kOk);
  CHECK(f.All("l") == std::vector<std::string>{"a", "B", "a", "c", "Z"});
  CHECK(f.Run({"lset", "l", "5", "x"}) == Err("ERR index out of range"));
  CHECK(f.Run({"lset", "l", "x", "x"}) == kNotInt);
  CHECK(f.Run({"lset", "nokey", "0", "x"}) == Err("ERR no such key"));
  CHECK(f.Run({"linsert", "l", "before", "c", "X"}) == Int(6));
  CHECK(f.Run({"linsert", "l", "AFTER", "Z", "Y"}) == Int(7));
  CHECK(f.Run({"linsert", "l", "after", "nope", "Y"}) == Int(-1));
  CHECK(f.Run({"linsert", "nokey", "after", "a", "Y"}) == Int(0));
  CHECK(f.Run({"linsert", "l", "middle", "a", "Y"}) == kSyntaxErr);
  CHECK(f.All("l") == std::vector<std::string>{"a", "B", "a", "X", "c", "Z", "Y"});
  CHECK(f.Run({"lrem", "l", "1", "a"}) == Int(1));
  CHECK(f.All("l") == std::vector<std::string>{"B", "a", "X", "c", "Z", "Y"});
  f.Run({"rpush", "l", "a", "q", "a"});
  CHECK(f.Run({"lrem", "l", "-2", "a"}) == Int(2));
  CHECK(f.All("l") == std::vector<std::string>{"B", "a", "X", "c", "Z", "Y", "q"});
  CHECK(f.Run({"lrem", "l", "0", "zz"}) == Int(0));
  CHECK(f.Run({"lrem", "l", "x", "zz"}) == kNotInt);
  CHECK(f.Run({"lrem", "nokey", "0", "zz"}) == Int(0));
  CHECK(f.Run({"ltrim", "l", "1", "-2"}) == kOk);
  CHECK(f.All("l") == std::vector<std::string>{"a", "X", "c", "Z", "Y"});
  CHECK(f.Run({"ltrim", "l", "-100", "100"}) == kOk);
  CHECK(f.Run({"llen", "l"}) == Int(5));
  CHECK(f.Run({"ltrim", "nokey", "0", "1"}) == kOk);
  CHECK(f.Run({"ltrim", "l", "x", "1"}) == kNotInt);
  // LPOS
  f.Run({"del", "p"});
  f.Run({"rpush", "p", "a", "b", "c", "1", "2", "3", "c", "c"});
  CHECK(f.Run({"lpos", "p", "c"}) == Int(2));
  CHECK(f.Run({"lpos", "p", "c", "rank", "2"}) == Int(6));
  CHECK(f.Run({"lpos", "p", "c", "rank", "-1"}) == Int(7));
  CHECK(f.Run({"lpos", "p", "c", "count", "0"}) == "*3\r\n:2\r\n:6\r\n:7\r\n");
  CHECK(f.Run({"lpos", "p", "c", "count", "2", "rank", "-1"}) == "*2\r\n:7\r\n:6\r\n");
  CHECK(f.Run({"lpos", "p", "c", "count", "0", "maxlen", "7"}) == "*2\r\n:2\r\n:6\r\n");
  CHECK(f.Run({"lpos", "p", "zz"}) == kNil);
  CHECK(f.Run({"lpos", "p", "zz", "count", "1"}) == kEmpty);
  CHECK(f.Run({"lpos", "nokey", "zz"}) == kNil);
  CHECK(f.Run({"lpos", "nokey", "zz", "count", "1"}) == kEmpty);
  CHECK(f.Run({"lpos", "p", "c", "rank", "0"}) ==
        Err("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list"));
  CHECK(f.Run({"lpos", "p", "c", "rank", "-9223372036854775808"}) ==
        Err("ERR value is out of range, value must between -9223372036854775807 and "
            "9223372036854775807"));
  CHECK(f.Run({"lpos", "p", "c", "count", "-1"}) == Err("ERR COUNT can't be negative"));
  CHECK(f.Run({"lpos", "p", "c", "maxlen", "-1"}) == Err("ERR MAXLEN can't be negative"));
  CHECK(f.Run({"lpos", "p", "c", "rank"}) == kSyntaxErr);
  CHECK(f.Run({"lpos", "p", "c", "foo", "1"}) == kSyntaxErr);
}

TEST_CASE("LMOVE / RPOPLPUSH / LMPOP", "[list]") {
  Fixture f;
  f.Run({"rpush", "a", "1", "2", "3"});
  CHECK(f.Run({"lmove", "a", "b", "left", "right"}) == Bulk("1"));
  CHECK(f.Run({"lmove", "a", "b", "RIGHT", "LEFT"}) == Bulk("3"));
  CHECK(f.All("b") == std::vector<std::string>{"3", "1"});
  CHECK(f.Run({"rpoplpush", "a", "b"}) == Bulk("2"));
  CHECK(f.Run({"exists", "a"}) == Int(0));
  CHECK(f.Run({"rpoplpush", "a", "b"}) == kNil);
  CHECK(f.Run({"lmove", "a", "b", "up", "left"}) == kSyntaxErr);
  CHECK(f.Run({"lmove", "b", "b", "left", "right"}) == Bulk("2"));  // rotation
  CHECK(f.All("b") == std::vector<std::string>{"3", "1", "2"});
  f.Run({"set", "s", "x"});
  CHECK(f.Run({"lmove", "b", "s", "left", "right"}) == kWrongType);
  CHECK(f.Run({"lmove", "s", "b", "left", "right"}) == kWrongType);
  CHECK(f.Run({"llen", "b"}) == Int(3));
  // LMPOP
  CHECK(f.Run({"lmpop", "2", "none", "b", "left"}) == Arr({Bulk("b"), BulkArr({"3"})}));
  CHECK(f.Run({"lmpop", "1", "b", "right", "count", "5"}) == Arr({Bulk("b"), BulkArr({"2", "1"})}));
  CHECK(f.Run({"exists", "b"}) == Int(0));
  CHECK(f.Run({"lmpop", "1", "b", "left"}) == kNilArr);
  CHECK(f.Run({"lmpop", "0", "b", "left"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(f.Run({"lmpop", "x", "b", "left"}) == Err("ERR numkeys should be greater than 0"));
  CHECK(f.Run({"lmpop", "5", "b", "left"}) == kSyntaxErr);
  CHECK(f.Run({"lmpop", "1", "b", "up"}) == kSyntaxErr);
  CHECK(f.Run({"lmpop", "1", "b", "left", "count", "0"}) ==
        Err("ERR count should be greater than 0"));
  CHECK(f.Run({"lmpop", "1", "b", "left", "count", "1", "count", "1"}) == kSyntaxErr);
  CHECK(f.Run({"lmpop", "2", "b", "s", "left"}) == kWrongType);
}

TEST_CASE("WRONGTYPE on every list command", "[list]") {
  Fixture f;
  f.Run({"set", "s", "x"});
  for (auto args : std::vector<std::vector<std::string>>{{"lpush", "s", "a"},
                                                         {"rpush", "s", "a"},
                                                         {"lpushx", "s", "a"},
                                                         {"lpop", "s"},
                                                         {"rpop", "s", "2"},
                                                         {"llen", "s"},
                                                         {"lrange", "s", "0", "1"},
                                                         {"lindex", "s", "0"},
                                                         {"lset", "s", "0", "a"},
                                                         {"lrem", "s", "0", "a"},
                                                         {"ltrim", "s", "0", "1"},
                                                         {"linsert", "s", "before", "a", "b"},
                                                         {"lpos", "s", "a"},
                                                         {"rpoplpush", "s", "d"}}) {
    INFO(args[0]);
    CHECK(f.Run(args) == kWrongType);
  }
  f.Run({"rpush", "l", "a"});
  CHECK(f.Run({"get", "l"}) == kWrongType);
}

TEST_CASE("listpack converts to quicklist past one node, and back after shrinking",
          "[list][encoding]") {
  Fixture f;
  // Default -2: 8 KB per node.
  std::string v(100, 'x');
  for (int i = 0; i < 70; ++i) f.Run({"rpush", "l", v});
  CHECK(f.Encoding("l") == Bulk("listpack"));
  for (int i = 0; i < 20; ++i) f.Run({"rpush", "l", v});
  CHECK(f.Encoding("l") == Bulk("quicklist"));
  CHECK(f.Run({"llen", "l"}) == Int(90));
  // Pushes never convert back; shrinking under half a node does.
  f.Run({"ltrim", "l", "0", "49"});
  CHECK(f.Encoding("l") == Bulk("quicklist"));
  f.Run({"ltrim", "l", "0", "29"});
  CHECK(f.Encoding("l") == Bulk("listpack"));
  CHECK(f.Run({"llen", "l"}) == Int(30));
  // One element bigger than a node.
  f.Run({"rpush", "big", std::string(9000, 'b')});
  CHECK(f.Encoding("big") == Bulk("quicklist"));
  // Positive: elements per node.
  CHECK(f.Run({"config", "set", "list-max-listpack-size", "4"}) == kOk);
  CHECK(f.Run({"config", "get", "list-max-listpack-size"}) ==
        Arr({Bulk("list-max-listpack-size"), Bulk("4")}));
  f.Run({"rpush", "c", "1", "2", "3", "4"});
  CHECK(f.Encoding("c") == Bulk("listpack"));
  f.Run({"rpush", "c", "5"});
  CHECK(f.Encoding("c") == Bulk("quicklist"));
  f.Run({"rpop", "c", "2"});
  CHECK(f.Encoding("c") == Bulk("quicklist"));  // 3 > 4/2
  f.Run({"rpop", "c"});
  CHECK(f.Encoding("c") == Bulk("listpack"));
  CHECK(f.All("c") == std::vector<std::string>{"1", "2"});
  // -1: 4 KB; -5: 64 KB.
  CHECK(f.Run({"config", "set", "list-max-listpack-size", "-5"}) == kOk);
  for (int i = 0; i < 300; ++i) f.Run({"rpush", "d", v});
  CHECK(f.Encoding("d") == Bulk("listpack"));
}

TEST_CASE("quicklist: every command across nodes", "[list][encoding]") {
  Fixture f;
  f.Run({"config", "set", "list-max-listpack-size", "3"});
  std::deque<std::string> m;
  for (int i = 0; i < 20; ++i) {
    f.Run({"rpush", "l", std::to_string(i)});
    m.push_back(std::to_string(i));
  }
  CHECK(f.Encoding("l") == Bulk("quicklist"));
  CHECK(f.Run({"lindex", "l", "10"}) == Bulk("10"));
  CHECK(f.Run({"lrange", "l", "4", "8"}) == BulkArr({"4", "5", "6", "7", "8"}));
  CHECK(f.Run({"lset", "l", "7", "seven"}) == kOk);
  CHECK(f.Run({"linsert", "l", "before", "seven", "6.5"}) == Int(21));
  CHECK(f.Run({"lindex", "l", "7"}) == Bulk("6.5"));
  CHECK(f.Run({"lindex", "l", "8"}) == Bulk("seven"));
  CHECK(f.Run({"lpos", "l", "19"}) == Int(20));
  CHECK(f.Run({"lrem", "l", "0", "seven"}) == Int(1));
  CHECK(f.Run({"lpop", "l", "5"}) == BulkArr({"0", "1", "2", "3", "4"}));
  CHECK(f.Run({"rpop", "l", "4"}) == BulkArr({"19", "18", "17", "16"}));
  CHECK(f.All("l") ==
        std::vector<std::string>{"5", "6", "6.5", "8", "9", "10", "11", "12", "13", "14", "15"});
  CHECK(f.Run({"memory", "usage", "l"}) != kNil);
}

TEST_CASE("generic commands on lists: RENAME, COPY, MOVE, EXPIRE, SCAN TYPE, release", "[list]") {
  Fixture f;
  f.Run({"config", "set", "list-max-listpack-size", "2"});
  for (int i = 0; i < 50; ++i) f.Run({"rpush", "big", std::to_string(i)});
  f.Run({"rpush", "small", "a"});
  CHECK(f.Run({"rename", "big", "big2"}) == kOk);
  CHECK(f.Run({"llen", "big2"}) == Int(50));
  CHECK(f.Run({"copy", "big2", "big3"}) == Int(1));
  f.Run({"lpop", "big2"});
  CHECK(f.Run({"llen", "big3"}) == Int(50));  // independent copy
  CHECK(f.Run({"move", "big3", "1"}) == Int(1));
  CHECK(f.Run({"select", "1"}) == kOk);
  CHECK(f.Run({"lindex", "big3", "49"}) == Bulk("49"));
  CHECK(f.Run({"flushdb"}) == kOk);
  CHECK(f.Run({"select", "0"}) == kOk);
  auto scan = Flat(f.Run({"scan", "0", "type", "list", "count", "1000"}));
  CHECK(Sorted({scan.begin() + 1, scan.end()}) == std::vector<std::string>{"big2", "small"});
  f.Run({"pexpire", "big2", "10"});
  f.h.SetTime(kNow + 20);
  CHECK(f.Run({"llen", "big2"}) == Int(0));
  for (int i = 0; i < 50; ++i) f.Run({"rpush", "x", std::to_string(i)});
  CHECK(f.Run({"set", "x", "str"}) == kOk);  // overwrite releases the chunks
  for (int i = 0; i < 50; ++i) f.Run({"rpush", "y", std::to_string(i)});
  // y stays for the keyspace destructor (LSan reports a missed release).
}

TEST_CASE("list keyspace events", "[list][notify]") {
  Fixture f;
  KeyeventTap tap(&f.h);
  f.Run({"rpush", "l", "a", "b", "c"});
  f.Run({"lpush", "l", "z"});
  f.Run({"lpop", "l"});
  f.Run({"rpop", "l", "1"});
  f.Run({"lset", "l", "0", "A"});
  f.Run({"linsert", "l", "after", "A", "B"});
  f.Run({"lrem", "l", "1", "B"});
  f.Run({"lmove", "l", "m", "left", "left"});
  f.Run({"ltrim", "l", "1", "0"});
  CHECK(tap.Take() == std::vector<std::string>{"new l", "rpush l", "lpush l", "lpop l", "rpop l",
                                               "lset l", "linsert l", "lrem l", "new m", "lpush m",
                                               "lpop l", "ltrim l", "del l"});
}

TEST_CASE("list effects are exact and replay to the same state", "[list][effects]") {
  Fixture f;
  EffectLog log(&f.h);
  f.Run({"rpush", "l", "a", "b", "c", "d"});
  f.Run({"lpop", "l"});
  f.Run({"rpop", "l", "5"});
  f.Run({"lpushx", "nokey", "x"});  // nothing logged
  f.Run({"rpush", "l", "a", "b", "c", "d"});
  f.Run({"lmove", "l", "m", "left", "right"});
  CHECK(log.Texts() == std::vector<std::string>{"RPUSH l a b c d", "LPOP l 1", "RPOP l 3",
                                                "RPUSH l a b c d", "LMOVE l m LEFT RIGHT"});
  f.Run({"expire", "l", "100"});
  CHECK(log.Texts() ==
        std::vector<std::string>{"DEL l", "RPUSH l b c d", "PEXPIREAT l 1700000100000"});
  f.Run({"config", "set", "list-max-listpack-size", "3"});
  for (int i = 0; i < 300; ++i) f.Run({"rpush", "big", "e" + std::to_string(i)});
  f.Run({"lset", "big", "5", "five"});
  f.Run({"linsert", "big", "after", "five", "5.5"});
  f.Run({"lrem", "big", "-1", "e9"});
  f.Run({"ltrim", "big", "2", "-3"});
  f.Run({"rename", "big", "big2"});
  f.Run({"copy", "big2", "big3"});
  f.Run({"lmpop", "2", "zz", "big3", "right", "count", "3"});
  Harness replay;
  replay.SetTime(kNow);
  log.Replay(&replay);
  for (auto* key : {"l", "m", "big", "big2", "big3"}) {
    INFO(key);
    CHECK(replay.Run({"lrange", key, "0", "-1"}) == f.Run({"lrange", key, "0", "-1"}));
    CHECK(replay.Run({"pexpiretime", key}) == f.Run({"pexpiretime", key}));
  }
}

// The same random command sequence against Brisk and a std::deque model; every reply
// is compared. Several node limits so both encodings and conversions are exercised.
TEST_CASE("randomized list commands match a std::deque model", "[list][random]") {
  for (int fill : {1, 3, 16, -1}) {
    Fixture f;
    f.Run({"config", "set", "list-max-listpack-size", std::to_string(fill)});
    std::map<std::string, std::deque<std::string>> model;
    std::mt19937_64 rng(uint64_t(fill + 100));
    auto pick = [&](int n) { return int(rng() % uint64_t(n)); };
    auto norm = [](int64_t i, int64_t len) { return i < 0 ? i + len : i; };
    for (int step = 0; step < 8000; ++step) {
      std::string key = "k" + std::to_string(pick(2));
      std::string key2 = "k" + std::to_string(pick(2));
      std::string value =
          std::string(size_t(pick(4) == 0 ? pick(300) : pick(3)), 'x') + std::to_string(pick(8));
      auto& l = model[key];
      int64_t len = int64_t(l.size());
      std::string got, want;
      int op = pick(14);
      INFO(step << " op " << op << " " << key);
      if (op <= 2) {
        bool left = op == 0;
        got = f.Run({left ? "lpush" : "rpush", key, value, "y"});
        if (left) {
          l.push_front(value);
          l.push_front("y");
        } else {
          l.push_back(value);
          l.push_back("y");
        }
        want = Int(int64_t(l.size()));
      } else if (op == 3 || op == 4) {
        bool left = op == 3;
        int n = pick(4);
        got = f.Run({left ? "lpop" : "rpop", key, std::to_string(n)});
        if (l.empty()) {
          want = kNilArr;
        } else {
          std::vector<std::string> out;
          for (int i = 0; i < n && !l.empty(); ++i) {
            out.push_back(left ? l.front() : l.back());
            left ? l.pop_front() : l.pop_back();
          }
          want = BulkArr(out);
        }
      } else if (op == 5) {
        int64_t a = pick(12) - 6, b = pick(12) - 6;
        got = f.Run({"lrange", key, std::to_string(a), std::to_string(b)});
        int64_t s = std::max<int64_t>(0, norm(a, len)), e = std::min(norm(b, len), len - 1);
        std::vector<std::string> out;
        for (int64_t i = s; i <= e; ++i) out.push_back(l[size_t(i)]);
        want = BulkArr(out);
      } else if (op == 6) {
        int64_t i = pick(12) - 6;
        got = f.Run({"lindex", key, std::to_string(i)});
        int64_t k = norm(i, len);
        want = k >= 0 && k < len ? Bulk(l[size_t(k)]) : kNil;
      } else if (op == 7) {
        int64_t i = pick(12) - 6;
        got = f.Run({"lset", key, std::to_string(i), value});
        int64_t k = norm(i, len);
        if (len == 0) {
          want = Err("ERR no such key");
        } else if (k < 0 || k >= len) {
          want = Err("ERR index out of range");
        } else {
          l[size_t(k)] = value;
          want = kOk;
        }
      } else if (op == 8) {
        int64_t c = pick(5) - 2;
        std::string v = std::to_string(pick(8));
        got = f.Run({"lrem", key, std::to_string(c), v});
        int64_t removed = 0;
        if (c >= 0) {
          for (auto it = l.begin(); it != l.end() && (c == 0 || removed < c);) {
            if (*it == v) {
              it = l.erase(it);
              ++removed;
            } else {
              ++it;
            }
          }
        } else {
          for (int64_t i = int64_t(l.size()) - 1; i >= 0 && removed < -c; --i) {
            if (l[size_t(i)] == v) {
              l.erase(l.begin() + i);
              ++removed;
            }
          }
        }
        want = Int(removed);
      } else if (op == 9) {
        int64_t a = pick(10) - 3, b = pick(12) - 4;
        got = f.Run({"ltrim", key, std::to_string(a), std::to_string(b)});
        int64_t s = std::max<int64_t>(0, norm(a, len)), e = norm(b, len);
        if (s > e || s >= len) {
          l.clear();
        } else {
          e = std::min(e, len - 1);
          l = std::deque<std::string>(l.begin() + s, l.begin() + e + 1);
        }
        want = kOk;
      } else if (op == 10) {
        std::string pivot = std::to_string(pick(8));
        bool after = pick(2) == 1;
        got = f.Run({"linsert", key, after ? "after" : "before", pivot, value});
        if (l.empty()) {
          want = Int(0);
        } else {
          auto it = std::find(l.begin(), l.end(), pivot);
          if (it == l.end()) {
            want = Int(-1);
          } else {
            l.insert(after ? it + 1 : it, value);
            want = Int(int64_t(l.size()));
          }
        }
      } else if (op == 11) {
        bool fl = pick(2) == 0, tl = pick(2) == 0;
        got = f.Run({"lmove", key, key2, fl ? "left" : "right", tl ? "left" : "right"});
        if (l.empty()) {
          want = kNil;
        } else {
          std::string v = fl ? l.front() : l.back();
          fl ? l.pop_front() : l.pop_back();
          auto& d = model[key2];
          tl ? d.push_front(v) : d.push_back(v);
          want = Bulk(v);
        }
      } else if (op == 12) {
        std::string v = std::to_string(pick(8));
        int64_t rank = pick(2) ? 1 + pick(2) : -1 - pick(2);
        got = f.Run({"lpos", key, v, "rank", std::to_string(rank), "count", "0"});
        std::vector<std::string> idx;
        int64_t seen = 0;
        for (int64_t k = 0; k < len; ++k) {
          int64_t i = rank > 0 ? k : len - 1 - k;
          if (l[size_t(i)] == v && ++seen >= (rank > 0 ? rank : -rank)) {
            idx.push_back(":" + std::to_string(i));
          }
        }
        CHECK(Flat(got) == idx);
        continue;
      } else {
        got = f.Run({"llen", key});
        want = Int(len);
      }
      for (auto it = model.begin(); it != model.end();) {
        it = it->second.empty() ? model.erase(it) : std::next(it);
      }
      REQUIRE(got == want);
      for (auto* k : {"k0", "k1"}) {
        std::vector<std::string> all;
        if (auto it = model.find(k); it != model.end())
          all.assign(it->second.begin(), it->second.end());
        REQUIRE(f.All(k) == all);
      }
    }
  }
}

}  // namespace
}  // namespace brisk::test
