#include "engine/table.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <utility>

namespace brisk::engine {

namespace {

// Bit reversal, as Redis's rev() for dictScan.
uint64_t Rev(uint64_t v) {
  uint64_t s = 64;
  uint64_t mask = ~uint64_t{0};
  while ((s >>= 1) > 0) {
    mask ^= (mask << s);
    v = ((v >> s) & mask) | ((v << s) & ~mask);
  }
  return v;
}

// Increments the bits of v under `mask` in reverse-binary order; bits outside the mask
// come out zero. Wraps to 0 after the last index.
uint64_t RevIncrement(uint64_t v, uint64_t mask) {
  v |= ~mask;
  v = Rev(v);
  ++v;
  return Rev(v);
}

}  // namespace

Table::Table(std::string name) : name_(std::move(name)), scan_hash_(ScanHashOf(name_)) {}

Table::~Table() {
  for (int i = 0; i < 2; ++i) {
    for (size_t b = 0; b < size_[i]; ++b) {
      Entry* e = ht_[i][b];
      while (e != nullptr) {
        Entry* next = e->next_;
        delete e;
        e = next;
      }
    }
  }
}

TableStats Table::Stats() const {
  TableStats s;
  s.name = name_;
  s.items = items_;
  s.bytes = bytes_;
  s.volatile_items = volatile_items_;
  return s;
}

Entry* Table::Lookup(std::string_view key) const {
  if (items_ == 0) return nullptr;
  uint64_t h = HashKey(key);
  for (int i = 0; i < num_arrays(); ++i) {
    for (Entry* e = ht_[i][h & mask(i)]; e != nullptr; e = e->next_) {
      if (e->key_ == key) return e;
    }
  }
  return nullptr;
}

void Table::Link(Entry* e) {
  assert(Lookup(e->key_) == nullptr);
  if (size_[0] == 0) {
    ht_[0] = std::make_unique<Entry*[]>(kMinBuckets);
    size_[0] = kMinBuckets;
  } else if (!rehashing() && items_ >= size_[0]) {
    StartRehash(std::bit_ceil(items_ + 1));
  }
  RehashStep();
  int i = rehashing() ? 1 : 0;
  Entry*& head = ht_[i][HashKey(e->key_) & mask(i)];
  e->next_ = head;
  head = e;
  ++used_[i];
  ++items_;
  bytes_ += e->MemoryBytes();
  if (e->expire_at_ms_ != 0) ++volatile_items_;
}

Entry* Table::Unlink(std::string_view key) {
  if (items_ == 0) return nullptr;
  RehashStep();
  uint64_t h = HashKey(key);
  for (int i = 0; i < num_arrays(); ++i) {
    Entry** link = &ht_[i][h & mask(i)];
    while (*link != nullptr && (*link)->key_ != key) link = &(*link)->next_;
    if (*link == nullptr) continue;
    Entry* e = *link;
    *link = e->next_;
    e->next_ = nullptr;
    --used_[i];
    --items_;
    bytes_ -= e->MemoryBytes();
    if (e->expire_at_ms_ != 0) --volatile_items_;
    FinishRehashIfDone();
    MaybeShrink();
    return e;
  }
  return nullptr;
}

void Table::StartRehash(size_t new_size) {
  new_size = std::max(new_size, kMinBuckets);
  if (new_size == size_[0]) return;
  ht_[1] = std::make_unique<Entry*[]>(new_size);
  size_[1] = new_size;
  used_[1] = 0;
  rehash_idx_ = 0;
}

void Table::RehashStep() {
  if (!rehashing()) return;
  // A shrink rehash has a small ht_[1]; if writes overfill it before ht_[0] drains,
  // move faster so its chains stay short.
  size_t buckets = items_ > size_[1] ? 8 * kRehashBucketsPerStep : kRehashBucketsPerStep;
  size_t empty_visits = buckets * 10;
  while (buckets-- > 0 && used_[0] != 0) {
    while (ht_[0][size_t(rehash_idx_)] == nullptr) {
      ++rehash_idx_;
      if (--empty_visits == 0) return;
    }
    Entry* e = ht_[0][size_t(rehash_idx_)];
    while (e != nullptr) {
      Entry* next = e->next_;
      Entry*& head = ht_[1][HashKey(e->key_) & mask(1)];
      e->next_ = head;
      head = e;
      --used_[0];
      ++used_[1];
      e = next;
    }
    ht_[0][size_t(rehash_idx_)] = nullptr;
    ++rehash_idx_;
  }
  FinishRehashIfDone();
}

void Table::FinishRehashIfDone() {
  if (!rehashing() || used_[0] != 0) return;
  ht_[0] = std::move(ht_[1]);
  size_[0] = size_[1];
  used_[0] = used_[1];
  size_[1] = 0;
  used_[1] = 0;
  rehash_idx_ = -1;
}

void Table::MaybeShrink() {
  if (rehashing() || size_[0] <= kMinBuckets || items_ * 8 >= size_[0]) return;
  StartRehash(std::bit_ceil(std::max(items_, kMinBuckets)));
}

Entry* Table::RandomEntry(std::mt19937_64& rng) const {
  if (items_ == 0) return nullptr;
  Entry* head = nullptr;
  if (rehashing()) {
    // Buckets [0, rehash_idx_) of ht_[0] are empty (invariant 2).
    uint64_t first = uint64_t(rehash_idx_);
    uint64_t span = size_[0] + size_[1] - first;
    do {
      uint64_t h = first + rng() % span;
      head = h >= size_[0] ? ht_[1][h - size_[0]] : ht_[0][h];
    } while (head == nullptr);
  } else {
    do {
      head = ht_[0][rng() & mask(0)];
    } while (head == nullptr);
  }
  size_t len = 0;
  for (Entry* e = head; e != nullptr; e = e->next_) ++len;
  size_t pick = size_t(rng() % len);
  while (pick-- > 0) head = head->next_;
  return head;
}

uint64_t ScanGroup(std::span<const Table* const> group, uint64_t cursor, EntryVisitor& visitor) {
  uint64_t m0 = ~uint64_t{0};
  for (const Table* t : group) {
    for (int i = 0; i < t->num_arrays(); ++i) m0 = std::min(m0, t->mask(i));
  }
  if (m0 == ~uint64_t{0}) return 0;  // nothing linked anywhere

  for (const Table* t : group) {
    for (int i = 0; i < t->num_arrays(); ++i) {
      uint64_t m = t->mask(i);
      uint64_t v = cursor;
      do {
        for (const Entry* e = t->bucket(i, v & m); e != nullptr; e = Table::ChainNext(e)) {
          visitor.Visit(*e);
        }
        v = RevIncrement(v, m);
      } while ((v & (m0 ^ m)) != 0);
    }
  }
  return RevIncrement(cursor, m0);
}

}  // namespace brisk::engine
