// The persistent hash trie (engine/pmap.h) against std::map, with byte accounting,
// split/collapse, scan cursors, and old versions staying intact after edits.
#include "engine/pmap.h"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engine/keyspace.h"
#include "engine/rcu.h"

namespace brisk::engine::pmap {
namespace {

size_t MeasureBytes(const Node* n) {
  if (n == nullptr) return 0;
  size_t b = Entry::AllocClass(n->AllocBytes());
  if (!n->leaf()) {
    for (uint32_t i = 0; i < n->size(); ++i) b += MeasureBytes(n->children()[i]);
  }
  return b;
}

// Checks counts, order and shape invariants; returns the item count.
size_t CheckNode(const Node* n, int depth) {
  REQUIRE(n != nullptr);
  REQUIRE_FALSE(n->info & Node::kFreshBit);
  if (n->leaf()) {
    size_t count = 0;
    const char* p = n->items();
    const char* end = p + n->size();
    Item prev{}, it;
    while (p < end) {
      p = ParseItem(p, &it);
      REQUIRE(it.hash == HashOf(it.field));
      if (count > 0) {
        REQUIRE((prev.hash < it.hash || (prev.hash == it.hash && prev.field < it.field)));
      }
      prev = it;
      ++count;
    }
    REQUIRE(count == n->count);
    REQUIRE(count > 0);
    if (depth < kMaxDepth) REQUIRE(count <= kLeafMax);
    return count;
  }
  REQUIRE(n->size() == size_t(__builtin_popcountll(n->bitmap())));
  size_t total = 0;
  for (uint32_t i = 0; i < n->size(); ++i) total += CheckNode(n->children()[i], depth + 1);
  REQUIRE(total == n->count);
  REQUIRE(total > kCollapseAt);
  return total;
}

std::map<std::string, std::string> Dump(const Node* root) {
  std::map<std::string, std::string> out;
  uint64_t last = 0;
  bool first = true;
  ForEach(root, [&](const Item& it) {
    if (!first) REQUIRE(it.hash >= last);
    first = false;
    last = it.hash;
    REQUIRE(out.emplace(std::string(it.field), std::string(it.value)).second);
    return true;
  });
  return out;
}

TEST_CASE("pmap: random edits match std::map; old versions stay intact", "[engine][pmap]") {
  Keyspace ks(1, {});  // registers this thread as the RCU writer
  std::mt19937_64 rng(42);
  std::map<std::string, std::string> model;
  const Node* root = nullptr;
  size_t bytes = 0;
  for (int round = 0; round < 300; ++round) {
    // Snapshot of the published version, checked after the edit.
    std::map<std::string, std::string> before = model;
    const Node* old_root = root;
    Editor ed(root, bytes);
    int ops = 1 + int(rng() % 20);
    for (int i = 0; i < ops; ++i) {
      // Grow most of the time early, shrink later, so splits and collapses both happen.
      bool grow = round < 150 ? rng() % 4 != 0 : rng() % 4 == 0;
      std::string f = "f" + std::to_string(rng() % 3000);
      if (grow) {
        std::string v = "v" + std::to_string(rng());
        bool added = ed.Upsert(f, v);
        REQUIRE(added == (model.count(f) == 0));
        model[f] = v;
      } else {
        REQUIRE(ed.Erase(f) == (model.erase(f) == 1));
      }
    }
    root = ed.Finish();
    bytes = ed.bytes();
    REQUIRE(Dump(old_root) == before);  // nothing published was written
    ed.RetireReplaced();
    REQUIRE(Count(root) == model.size());
    REQUIRE(bytes == MeasureBytes(root));
    if (root != nullptr) CheckNode(root, 0);
    REQUIRE(Dump(root) == model);
    for (int i = 0; i < 20; ++i) {
      std::string f = "f" + std::to_string(rng() % 3000);
      std::string_view v;
      bool found = Find(root, f, &v);
      REQUIRE(found == (model.count(f) == 1));
      if (found) REQUIRE(v == model[f]);
    }
    QuiescentPoint();
  }
  // Nth covers every item once, in order.
  std::set<std::string> seen;
  for (size_t i = 0; i < Count(root); ++i) seen.insert(std::string(Nth(root, i).field));
  REQUIRE(seen.size() == model.size());
  // Deep copy is equal and independent.
  size_t copy_bytes = 0;
  const Node* copy = DeepCopy(root, &copy_bytes);
  REQUIRE(copy_bytes == bytes);
  REQUIRE(Dump(copy) == model);
  FreeAll(copy);
  FreeAll(root);
  DrainRetired();
}

TEST_CASE("pmap: scan cursor visits every item present throughout", "[engine][pmap]") {
  Keyspace ks(1, {});
  std::vector<Item> items;
  std::vector<std::string> names;
  for (int i = 0; i < 2000; ++i) names.push_back("m" + std::to_string(i));
  for (auto& n : names) items.push_back({HashOf(n), n, {}});
  size_t bytes = 0;
  const Node* root = Build(items, &bytes);
  REQUIRE(bytes == MeasureBytes(root));
  CheckNode(root, 0);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int steps = 0;
  size_t deleted = 0;
  do {
    cursor = Scan(root, cursor, 10, [&](const Item& it) { seen.insert(std::string(it.field)); });
    // Delete some items between steps (the ones named with a 7): the rest must all
    // be seen.
    Editor ed(root, bytes);
    for (int k = 0; k < 5 && deleted < 700; ++k) {
      std::string f = "m" + std::to_string(7 + 10 * deleted++);
      if (f.size() > 5) continue;
      (void)ed.Erase(f);
    }
    root = ed.Finish();
    bytes = ed.bytes();
    ed.RetireReplaced();
    ++steps;
  } while (cursor != 0);
  for (auto& n : names) {
    if (n.back() != '7') REQUIRE(seen.count(n) == 1);
  }
  REQUIRE(steps > 10);
  FreeAll(root);
  DrainRetired();
}

}  // namespace
}  // namespace brisk::engine::pmap
