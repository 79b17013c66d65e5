#include "engine/keyspace.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <cstdint>
#include <map>
#include <random>
#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/glob.h"
#include "common/numbers.h"
#include "engine/collections.h"
#include "engine/eviction.h"
#include "engine/expiry_index.h"
#include "engine/keyspace_impl.h"
#include "engine/table.h"

namespace brisk::engine {

// ---------------------------------------------------------------------------------
// Types and entries

std::string_view TypeName(ObjType type) {
  switch (type) {
    case ObjType::kString:
      return "string";
    case ObjType::kList:
      return "list";
    case ObjType::kSet:
      return "set";
    case ObjType::kZSet:
      return "zset";
    case ObjType::kHash:
      return "hash";
  }
  return "none";
}

bool ParseTypeName(std::string_view name, ObjType* out) {
  static constexpr ObjType kAll[] = {ObjType::kString, ObjType::kList, ObjType::kSet,
                                     ObjType::kZSet, ObjType::kHash};
  for (ObjType t : kAll) {
    if (name == TypeName(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------
// Db: lookups and writes

Db::Db(Keyspace* owner, int index) : owner_(owner), index_(index), impl_(new Impl) {
  impl_->memory = owner->memory_counter();
  read_dir_.store(&impl_->dir, std::memory_order_release);
}

Db::~Db() = default;

Table* Db::TableFor(std::string_view key, bool create) {
  std::string_view name = owner_->TableOf(key);
  Table* t = impl_->Get(name);
  if (t == nullptr && create) t = impl_->Create(name);
  return t;
}

const Table* Db::TableFor(std::string_view key) const {
  return impl_->Get(owner_->TableOf(key));
}

Entry* Db::Find(std::string_view key, int64_t now_ms, bool touch) {
  Table* t = TableFor(key, false);
  if (t == nullptr) return nullptr;
  t->RehashStep();
  Entry* e = t->Lookup(key);
  if (e == nullptr) return nullptr;
  if (IsExpired(*e, now_ms)) {
    Impl::Expire(*this, t, e);
    return nullptr;
  }
  if (touch) {
    uint32_t word = e->access_.load(std::memory_order_relaxed);
    uint32_t fresh = access::Touched(word, owner_->access_policy(), now_ms);
    // Skip the store (and the cache-line write) when nothing changed: a hot key's word
    // is stable within a second once its CLOCK ref is saturated.
    if (fresh != word) e->access_.store(fresh, std::memory_order_relaxed);
  }
  return e;
}

const Entry* Db::Peek(std::string_view key, int64_t now_ms) const {
  const Table* t = TableFor(key);
  if (t == nullptr) return nullptr;
  const Entry* e = t->Lookup(key);
  return e != nullptr && !IsExpired(*e, now_ms) ? e : nullptr;
}

Entry* Db::InsertString(std::string_view key, std::string_view value) {
  return InsertString(key, value, 0);
}

Entry* Db::InsertString(std::string_view key, std::string_view value, int64_t expire_at_ms) {
  Entry* e = Impl::NewString(*this, key, value, expire_at_ms);
  Impl::Attach(*this, e);
  return e;
}

Entry* Db::SetString(Entry* e, std::string_view value) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry::Shape s = Impl::NextShape(*this, *slot.cur);
  Entry* fresh = Impl::Publish(*this, slot, Entry::CreateString(s, value));
  RetireExternalValue(*slot.cur);  // a collection overwritten by a string
  return fresh;
}

Entry* Db::SetInt(Entry* e, int64_t value) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry::Shape s = Impl::NextShape(*this, *slot.cur);
  s.type = ObjType::kString;
  s.is_int = true;
  Entry* fresh = Entry::Create(s);
  std::memcpy(fresh->MutableValue(), &value, sizeof(value));
  Impl::Publish(*this, slot, fresh);
  RetireExternalValue(*slot.cur);  // a collection overwritten by a string
  return fresh;
}

size_t Db::Append(Entry* e, std::string_view tail) {
  Impl::Slot slot = Impl::Locate(*this, e);
  const Entry* cur = slot.cur;
  char scratch[24];
  std::string_view old = cur->StringValue(scratch);  // int -> raw bytes first
  Entry::Shape s = Impl::NextShape(*this, *cur);
  s.type = ObjType::kString;
  s.is_int = false;
  s.value_len = old.size() + tail.size();
  Entry* fresh = Entry::Create(s);
  char* v = fresh->MutableValue();
  if (!old.empty()) std::memcpy(v, old.data(), old.size());
  if (!tail.empty()) std::memcpy(v + old.size(), tail.data(), tail.size());
  Impl::Publish(*this, slot, fresh);
  return s.value_len;
}

size_t Db::SetRange(Entry* e, size_t offset, std::string_view bytes) {
  Impl::Slot slot = Impl::Locate(*this, e);
  const Entry* cur = slot.cur;
  // As Redis: an empty write changes nothing, not even the padding.
  if (bytes.empty()) return cur->StringLength();
  char scratch[24];
  std::string_view old = cur->StringValue(scratch);
  Entry::Shape s = Impl::NextShape(*this, *cur);
  s.type = ObjType::kString;
  s.is_int = false;
  s.value_len = std::max(old.size(), offset + bytes.size());
  Entry* fresh = Entry::Create(s);
  char* v = fresh->MutableValue();
  std::memset(v, 0, s.value_len);
  if (!old.empty()) std::memcpy(v, old.data(), old.size());
  std::memcpy(v + offset, bytes.data(), bytes.size());
  Impl::Publish(*this, slot, fresh);
  return s.value_len;
}

namespace {

size_t TotalSize(std::initializer_list<std::string_view> parts) {
  size_t n = 0;
  for (std::string_view p : parts) n += p.size();
  return n;
}

void Concat(std::initializer_list<std::string_view> parts, char* out) {
  for (std::string_view p : parts) {
    if (!p.empty()) std::memcpy(out, p.data(), p.size());
    out += p.size();
  }
}

}  // namespace

Entry* Db::InsertCollection(std::string_view key, ObjType type,
                            std::initializer_list<std::string_view> parts) {
  Entry::Shape s;
  s.key = key;
  s.type = type;
  s.value_len = TotalSize(parts);
  s.has_lsn = owner_->track_lsn();
  s.lsn = s.has_lsn ? owner_->lsn() : 0;
  s.access = NewAccessWord(*owner_);
  Entry* e = Entry::Create(s);
  Concat(parts, e->MutableValue());
  Impl::Attach(*this, e);
  return e;
}

Entry* Db::SetCollection(Entry* e, ObjType type, std::initializer_list<std::string_view> parts) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry::Shape s = Impl::NextShape(*this, *slot.cur);
  s.type = type;
  s.is_int = false;
  s.value_len = TotalSize(parts);
  Entry* fresh = Entry::Create(s);
  Concat(parts, fresh->MutableValue());
  return Impl::Publish(*this, slot, fresh);
}

Entry* Db::SetExpire(Entry* e, int64_t at_ms) {
  Impl::Slot slot = Impl::Locate(*this, e);
  Entry* cur = slot.cur;
  Entry::Shape s = Impl::NextShape(*this, *cur);
  // Even an unchanged deadline is a write: it restamps the LSN.
  if (cur->expire_at_ms() == at_ms && cur->lsn() == s.lsn) return cur;
  return Impl::Publish(*this, slot, Entry::Clone(*cur, cur->key(), at_ms, s.has_lsn, s.lsn));
}

bool Db::Erase(std::string_view key, int64_t now_ms) {
  Table* t = TableFor(key, false);
  if (t == nullptr) return false;
  Entry* e = t->Lookup(key);
  if (e == nullptr) return false;
  if (IsExpired(*e, now_ms)) {
    // Logically absent already: this is its lazy expiry, reported as such.
    Impl::Expire(*this, t, e);
    return false;
  }
  Impl::Detach(*this, t, key);
  return true;
}

void Db::Rename(std::string_view from, std::string_view to) {
  Table* t = TableFor(from, false);
  assert(t != nullptr);
  // The detached entry stays readable (rcu.h invariant 1), so `to` may alias its key.
  const Entry* old = Impl::Detach(*this, t, from, /*keep_value=*/true);
  bool track = owner_->track_lsn();
  Impl::Attach(*this, Entry::Clone(*old, to, old->expire_at_ms(), track, track ? owner_->lsn() : 0));
}

Entry* Db::InsertCopy(std::string_view key, const Entry& src) {
  bool track = owner_->track_lsn();
  Entry* e = Entry::Clone(src, key, src.expire_at_ms(), track, track ? owner_->lsn() : 0);
  if (e->type() != ObjType::kString) CopyExternalValue(e->MutableValue(), e->ValueBytes());
  e->access_.store(NewAccessWord(*owner_), std::memory_order_relaxed);
  Impl::Attach(*this, e);
  return e;
}

void Db::MoveTo(std::string_view key, Db* dst) {
  Table* t = TableFor(key, false);
  assert(t != nullptr && dst != this);
  const Entry* old = Impl::Detach(*this, t, key, /*keep_value=*/true);
  bool track = owner_->track_lsn();
  Impl::Attach(*dst, Entry::Clone(*old, old->key(), old->expire_at_ms(), track,
                                  track ? owner_->lsn() : 0));
}

void Db::Clear() {
  impl_->Clear();
  size_ = 0;
  volatile_size_ = 0;
}

void Db::SwapContents(Db& other) {
  std::swap(impl_, other.impl_);
  std::swap(size_, other.size_);
  std::swap(volatile_size_, other.volatile_size_);
  read_dir_.store(&impl_->dir, std::memory_order_release);
  other.read_dir_.store(&other.impl_->dir, std::memory_order_release);
}

size_t Db::ActiveExpire(int64_t now_ms, size_t max_keys) {
  // Round robin over the tables in name order, from where the last call stopped, each
  // table's own index giving its due entries in deadline order: no sampling, and
  // tables without TTLs cost one comparison.
  size_t removed = 0;
  auto& tables = impl_->by_name;
  auto it = tables.lower_bound(impl_->expire_cursor);
  for (size_t visited = 0, n = tables.size(); visited < n && removed < max_keys; ++visited) {
    if (it == tables.end()) it = tables.begin();
    Table* t = it->second;
    ++it;  // before Expire: emptying t removes it from `tables`
    bool dropped = false;
    while (removed < max_keys && !dropped && t->volatile_items() != 0) {
      Entry* e = t->expiry().FirstDue(now_ms);
      if (e == nullptr) break;
      dropped = t->items() == 1;  // removing the last entry drops the table
      Impl::Expire(*this, t, e);
      ++removed;
    }
    if (removed == max_keys) {
      // Resume at this table next time (it may have more due entries), or at the
      // next one if it is gone.
      if (!dropped) {
        impl_->expire_cursor.assign(t->name());
      } else {
        impl_->expire_cursor.assign(it == tables.end() ? std::string_view() : it->first);
      }
      return removed;
    }
  }
  impl_->expire_cursor.clear();
  return removed;
}

bool Db::RandomKey(int64_t now_ms, std::string* out) {
  // Each miss removes an expired entry, so the loop always makes progress; it is
  // bounded so a db full of due keys costs at most kTries removals per call.
  constexpr int kTries = 100;
  for (int i = 0; i < kTries && size_ > 0; ++i) {
    Table* t = impl_->PickWeighted(size_);
    Entry* e = t->RandomEntry(impl_->rng);
    if (!IsExpired(*e, now_ms)) {
      out->assign(e->key());
      return true;
    }
    Impl::Expire(*this, t, e);
  }
  if (size_ == 0) return false;
  // Unlucky or mostly expired: the latest deadline is live if any volatile key is...
  for (auto& [name, t] : impl_->by_name) {
    if (Entry* e = t->expiry().Latest(); e != nullptr && !IsExpired(*e, now_ms)) {
      out->assign(e->key());
      return true;
    }
  }
  // ...otherwise only a persistent entry can be live.
  for (auto& [name, t] : impl_->by_name) {
    if (t->items() == t->volatile_items()) continue;
    const Entry* found = t->FindIf([](const Entry& e) { return e.expire_at_ms() == 0; });
    if (found != nullptr) {
      out->assign(found->key());
      return true;
    }
  }
  return false;
}

size_t Db::DropTable(std::string_view name, int64_t now_ms) {
  Table* t = impl_->Get(name);
  if (t == nullptr) return 0;
  size_t live = t->items() - t->expiry().CountDue(now_ms);
  size_ -= t->items();
  volatile_size_ -= t->volatile_items();
  // Unpublished now; the table, its entries and its expiry index are freed by liburcu's
  // thread after a grace period (table.h invariant 9), so the loop pays O(1) here.
  impl_->Drop(t);
  return live;
}

void Db::CountLookup(std::string_view key, bool hit) {
  if (Table* t = TableFor(key, false)) t->CountLookup(hit);
}

// ---------------------------------------------------------------------------------
// Db: eviction support (engine/eviction.h)

bool Db::Evict(std::string_view key, bool volatile_only, uint32_t max_ref) {
  Table* t = TableFor(key, false);
  if (t == nullptr) return false;
  const Entry* e = t->Lookup(key);
  if (e == nullptr || (volatile_only && e->expire_at_ms() == 0)) return false;
  if (access::Ref(e->access_word()) > max_ref) return false;
  // `key` may point into the entry itself (a caller's view); the retired entry stays
  // readable until the next QuiescentPoint (rcu.h invariant 1).
  const Entry* gone = Impl::Detach(*this, t, key);
  if (KeyObserver* obs = owner_->observer()) {
    obs->OnKeyRemoved(index_, gone->key(), RemoveReason::kEvicted);
  }
  owner_->CountEvicted();
  return true;
}

Entry* Db::RandomEntry(bool volatile_only) {
  if (!volatile_only) return size_ == 0 ? nullptr : impl_->PickWeighted(size_)->RandomEntry(impl_->rng);
  if (volatile_size_ == 0) return nullptr;
  size_t r = size_t(impl_->rng() % volatile_size_);
  for (auto& [name, t] : impl_->by_name) {
    size_t n = t->expiry().size();
    if (r < n) return t->expiry().Nth(size_t(impl_->rng() % n));
    r -= n;
  }
  return nullptr;  // unreachable while volatile_size_ == sum of the tables' indexes
}

Entry* Db::EarliestDeadline() {
  Entry* best = nullptr;
  for (auto& [name, t] : impl_->by_name) {
    if (t->volatile_items() == 0) continue;
    Entry* e = t->expiry().FirstDue(INT64_MAX);
    if (best == nullptr || e->expire_at_ms() < best->expire_at_ms()) best = e;
  }
  return best;
}

Table* Db::TableFrom(std::string_view name, bool inclusive) {
  auto& tables = impl_->by_name;
  auto it = inclusive ? tables.lower_bound(name) : tables.upper_bound(name);
  return it == tables.end() ? nullptr : it->second;
}

bool Db::GetTableStats(std::string_view name, TableStats* out) const {
  const Table* t = impl_->Get(name);
  if (t == nullptr) return false;
  *out = t->Stats();
  return true;
}

// ---------------------------------------------------------------------------------
// Keyspace

Keyspace::Keyspace(int num_dbs, EngineOptions options) : options_(options) {
  EnsureWriterThread();
  dbs_.reserve(size_t(num_dbs));
  for (int i = 0; i < num_dbs; ++i) dbs_.push_back(std::make_unique<Db>(this, i));
}

Keyspace::~Keyspace() {
  dbs_.clear();
  DrainRetired();
}

std::string_view Keyspace::TableOf(std::string_view key) const {
  size_t pos = key.find(options_.table_separator);
  return pos == std::string_view::npos ? key.substr(0, 0) : key.substr(0, pos);
}

void Keyspace::SwapDbs(int a, int b) {
  if (a == b) return;
  // Seqlock write side (ReadSwapSeq): odd, release fence, the swap, even.
  uint64_t seq = swap_seq_.load(std::memory_order_relaxed);
  swap_seq_.store(seq + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  db(a).SwapContents(db(b));
  swap_seq_.store(seq + 2, std::memory_order_release);
}

void Keyspace::FlushAll() {
  for (auto& d : dbs_) d->Clear();
}

}  // namespace brisk::engine
