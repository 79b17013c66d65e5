// Evictor and the access-word codec: see eviction.h.
#include "engine/eviction.h"

#include <algorithm>
#include <climits>
#include <cmath>

#include "common/ascii.h"
#include "common/clock.h"
#include "engine/table.h"

namespace brisk::engine {

namespace {

constexpr std::pair<std::string_view, EvictionPolicy> kPolicyNames[] = {
    {"volatile-lru", EvictionPolicy::kVolatileLru},
    {"volatile-lfu", EvictionPolicy::kVolatileLfu},
    {"volatile-random", EvictionPolicy::kVolatileRandom},
    {"volatile-ttl", EvictionPolicy::kVolatileTtl},
    {"allkeys-lru", EvictionPolicy::kAllKeysLru},
    {"allkeys-lfu", EvictionPolicy::kAllKeysLfu},
    {"allkeys-random", EvictionPolicy::kAllKeysRandom},
    {"noeviction", EvictionPolicy::kNoEviction},
};

// Redis's LFULogIncr draws rand(); a xorshift is enough (writer thread only).
double NextUnit() {
  thread_local uint64_t state = 0x9e3779b97f4a7c15ull;
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return double(state >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
}

// The CLOCK hand's visit of one bucket (eviction.h): referenced entries lose one ref
// (counted in *examined), unreferenced ones become candidates.
class ClockVisitor final : public EntryVisitor {
 public:
  ClockVisitor(std::vector<std::string>* candidates, size_t* count, size_t* examined)
      : candidates_(candidates), count_(count), examined_(examined) {}

  void Visit(const Entry& e) override {
    uint32_t word = e.access_word();
    if (access::Ref(word) > 0) {
      e.set_access_word(word - access::kRefUnit);
      ++*examined_;
      return;
    }
    if (*count_ == candidates_->size()) candidates_->emplace_back();
    (*candidates_)[(*count_)++].assign(e.key());
    *examined_ = 0;
  }

 private:
  std::vector<std::string>* candidates_;
  size_t* count_;
  size_t* examined_;
};

}  // namespace

bool ParseEvictionPolicy(std::string_view name, EvictionPolicy* out) {
  for (const auto& [n, p] : kPolicyNames) {
    if (EqualsNoCase(n, name)) {
      *out = p;
      return true;
    }
  }
  return false;
}

std::string_view EvictionPolicyName(EvictionPolicy policy) {
  for (const auto& [n, p] : kPolicyNames) {
    if (p == policy) return n;
  }
  return "noeviction";
}

int64_t EvictionTimeLimitUs(int tenacity) {
  if (tenacity <= 10) return 50 * int64_t(std::max(tenacity, 0));  // linear, 0..500 us
  if (tenacity < 100) return int64_t(500.0 * std::pow(1.15, tenacity - 10.0));
  return INT64_MAX;
}

// ---------------------------------------------------------------------------------
// Access word

namespace access {

uint32_t LfuCounter(uint32_t word, int64_t now_ms, int decay_time) {
  uint32_t ldt = (word >> 8) & 0xFFFF;
  uint32_t counter = word & 0xFF;
  if (decay_time <= 0) return counter;
  uint32_t now = LfuMinutes(now_ms);
  uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  uint32_t periods = elapsed / uint32_t(decay_time);
  return periods > counter ? 0 : counter - periods;
}

uint32_t LfuTouched(uint32_t word, const AccessPolicy& p, int64_t now_ms) {
  uint32_t counter = LfuCounter(word, now_ms, p.lfu_decay_time);
  if (counter < 255) {
    double base = counter > kLfuInitCounter ? double(counter - kLfuInitCounter) : 0.0;
    if (NextUnit() < 1.0 / (base * p.lfu_log_factor + 1)) ++counter;
  }
  return (LfuMinutes(now_ms) << 8) | counter;
}

int64_t IdleMs(uint32_t word, int64_t now_ms) {
  uint32_t clock = LruClock(now_ms);
  uint32_t lru = word & kClockMask;
  uint32_t seconds = clock >= lru ? clock - lru : clock + (kClockMask - lru);
  return int64_t(seconds) * 1000;
}

}  // namespace access

// ---------------------------------------------------------------------------------
// Evictor

Evictor::Evictor(Keyspace* keyspace) : ks_(keyspace) {}

void Evictor::Configure(const EvictionSettings& settings) {
  if (settings.policy != settings_.policy) {
    pool_size_ = 0;
    cand_count_ = cand_next_ = 0;
  }
  settings_ = settings;
  settings_.samples = std::max(settings_.samples, 1);
  AccessPolicy ap;
  ap.lfu = IsLfuPolicy(settings_.policy);
  ap.lfu_log_factor = settings_.lfu_log_factor;
  ap.lfu_decay_time = settings_.lfu_decay_time;
  ks_->set_access_policy(ap);
}

bool Evictor::EvictOne(int64_t now_ms) {
  switch (settings_.policy) {
    case EvictionPolicy::kNoEviction:
      return false;
    case EvictionPolicy::kAllKeysLru:
      return EvictClock();
    case EvictionPolicy::kAllKeysLfu:
      return EvictPooled(/*volatile_only=*/false, /*lfu=*/true, now_ms);
    case EvictionPolicy::kAllKeysRandom:
      return EvictRandom(false);
    case EvictionPolicy::kVolatileLru:
      return EvictPooled(true, false, now_ms);
    case EvictionPolicy::kVolatileLfu:
      return EvictPooled(true, true, now_ms);
    case EvictionPolicy::kVolatileRandom:
      return EvictRandom(true);
    case EvictionPolicy::kVolatileTtl:
      return EvictEarliestDeadline();
  }
  return false;
}

Evictor::Status Evictor::EvictUntil(size_t limit, const std::function<size_t()>& used,
                                    int64_t now_ms, int64_t budget_us) {
  Status status = Status::kOk;
  if (used() > limit) {
    int64_t start = clock::MonotonicUs();
    size_t evicted = 0;
    while (used() > limit) {  // invariant 3
      if (!EvictOne(now_ms)) {
        status = Status::kFail;
        break;
      }
      // As Redis: the clock is read every 16 keys.
      if (++evicted % 16 == 0 && clock::MonotonicUs() - start > budget_us) {
        if (used() > limit) status = Status::kRunning;
        break;
      }
    }
  }
  // Redis's stat_last_eviction_exceeded_time: from the first result that is not OK
  // to the next OK one.
  if (status != Status::kOk) {
    if (exceeded_since_us_ == 0) exceeded_since_us_ = clock::MonotonicUs();
  } else if (exceeded_since_us_ != 0) {
    exceeded_total_us_ += uint64_t(clock::MonotonicUs() - exceeded_since_us_);
    exceeded_since_us_ = 0;
  }
  return status;
}

uint64_t Evictor::exceeded_current_ms(int64_t now_us) const {
  return exceeded_since_us_ == 0 ? 0 : uint64_t(now_us - exceeded_since_us_) / 1000;
}

uint64_t Evictor::exceeded_total_ms(int64_t now_us) const {
  return exceeded_total_us_ / 1000 + exceeded_current_ms(now_us);
}

void Evictor::ResetStats() {
  exceeded_total_us_ = 0;
  if (exceeded_since_us_ != 0) exceeded_since_us_ = clock::MonotonicUs();
}

// ---- allkeys-lru: the CLOCK (eviction.h) ----

bool Evictor::EvictClock() {
  for (size_t steps = 0; steps < kClockMaxSteps; ++steps) {
    if (EvictCandidate()) return true;
    if (examined_ >= kClockMaxExamined) break;  // a run of referenced keys
    if (!ScanClockStep()) return false;         // every database is empty
  }
  // Bounded work: the hand stays where it is (the next call goes on decrementing) and
  // this victim is the least referenced of a few random keys. A long referenced run
  // is a hot stretch (a hot table, say): taking the next key there would evict hot
  // keys, a random one is most likely cold. Long stretches of empty buckets (rare:
  // tables shrink at 1/8 full) end here too.
  examined_ = 0;
  return EvictLeastReferencedSample();
}

bool Evictor::EvictLeastReferencedSample() {
  const int n = ks_->num_dbs();
  for (int i = 0; i < n; ++i) {
    next_db_ = (next_db_ + 1) % n;
    Db& db = ks_->db(next_db_);
    if (db.size() == 0) continue;
    const Entry* best = nullptr;
    for (size_t s = 0; s < kClockFallbackSamples; ++s) {
      const Entry* e = db.RandomEntry(/*volatile_only=*/false);
      if (best == nullptr || access::Ref(e->access_word()) < access::Ref(best->access_word())) {
        best = e;
      }
    }
    return db.Evict(best->key());
  }
  return false;
}

bool Evictor::EvictCandidate() {
  while (cand_next_ < cand_count_) {
    const std::string& key = candidates_[cand_next_++];
    // Spared if it was touched since the hand passed (its ref is > 0 again) or is gone.
    if (ks_->db(cand_db_).Evict(key, /*volatile_only=*/false, /*max_ref=*/0)) return true;
  }
  cand_next_ = cand_count_ = 0;
  return false;
}

bool Evictor::ScanClockStep() {
  const int n = ks_->num_dbs();
  for (int moved = 0; moved <= n;) {
    Db& db = ks_->db(hand_db_);
    Table* t = db.size() == 0 ? nullptr : db.TableFrom(hand_table_, /*inclusive=*/true);
    if (t == nullptr) {  // past this database's last table: the next database
      hand_db_ = (hand_db_ + 1) % n;
      hand_table_.clear();
      hand_cursor_ = 0;
      ++moved;
      continue;
    }
    if (t->name() != hand_table_) {  // the hand's table is gone: start the next one
      hand_table_.assign(t->name());
      hand_cursor_ = 0;
    }
    cand_db_ = hand_db_;
    ClockVisitor visitor(&candidates_, &cand_count_, &examined_);
    const Table* group[] = {t};
    hand_cursor_ = ScanGroup(group, hand_cursor_, visitor);
    if (hand_cursor_ == 0) {  // this table's pass is complete
      if (Table* next = db.TableFrom(hand_table_, /*inclusive=*/false)) {
        hand_table_.assign(next->name());
      } else {
        hand_db_ = (hand_db_ + 1) % n;
        hand_table_.clear();
      }
    }
    return true;
  }
  return false;
}

// ---- random ----

bool Evictor::EvictRandom(bool volatile_only) {
  const int n = ks_->num_dbs();
  for (int i = 0; i < n; ++i) {
    next_db_ = (next_db_ + 1) % n;
    Db& db = ks_->db(next_db_);
    Entry* e = db.RandomEntry(volatile_only);
    // The key view stays valid through the unlink (rcu.h invariant 1).
    if (e != nullptr && db.Evict(e->key(), volatile_only)) return true;
  }
  return false;
}

// ---- sampled LRU / LFU: Redis's eviction pool ----

uint64_t Evictor::Score(const Entry& e, bool lfu, int64_t now_ms) const {
  uint32_t word = e.access_word();
  if (lfu) return 255 - access::LfuCounter(word, now_ms, settings_.lfu_decay_time);
  return uint64_t(access::IdleMs(word, now_ms));
}

void Evictor::PoolInsert(uint64_t score, int db, std::string_view key) {
  for (size_t i = 0; i < pool_size_; ++i) {
    if (pool_[i].db == db && pool_[i].key == key) return;  // sampled again
  }
  // Redis's evictionPoolPopulate: ascending by score; a full pool drops its worst.
  size_t k = 0;
  while (k < pool_size_ && pool_[k].score < score) ++k;
  if (k == 0 && pool_size_ == kPoolSize) return;
  if (pool_size_ < kPoolSize) {
    // Shift [k, size) right; the spare slot (its string capacity kept) lands at k.
    std::rotate(pool_.begin() + ptrdiff_t(k), pool_.begin() + ptrdiff_t(pool_size_),
                pool_.begin() + ptrdiff_t(pool_size_) + 1);
    ++pool_size_;
  } else {
    --k;  // drop pool_[0], shift (0, k] left; its slot lands at k
    std::rotate(pool_.begin(), pool_.begin() + 1, pool_.begin() + ptrdiff_t(k) + 1);
  }
  pool_[k].score = score;
  pool_[k].db = db;
  pool_[k].key.assign(key);
}

bool Evictor::EvictPooled(bool volatile_only, bool lfu, int64_t now_ms) {
  const int n = ks_->num_dbs();
  for (;;) {
    size_t total = 0;
    for (int i = 0; i < n; ++i) {
      Db& db = ks_->db(i);
      size_t keys = volatile_only ? db.volatile_size() : db.size();
      if (keys == 0) continue;
      total += keys;
      for (int s = 0; s < settings_.samples; ++s) {
        const Entry* e = db.RandomEntry(volatile_only);
        PoolInsert(Score(*e, lfu, now_ms), i, e->key());
      }
    }
    if (total == 0) return false;
    // The best candidate that still exists (a pool entry may be a ghost: deleted or
    // evicted since it was sampled). A sampled key is in the pool, so this ends.
    while (pool_size_ > 0) {
      PoolEntry& best = pool_[--pool_size_];
      if (ks_->db(best.db).Evict(best.key, volatile_only)) return true;
    }
  }
}

// ---- volatile-ttl ----

bool Evictor::EvictEarliestDeadline() {
  int best_db = -1;
  Entry* best = nullptr;
  for (int i = 0; i < ks_->num_dbs(); ++i) {
    Db& db = ks_->db(i);
    if (db.volatile_size() == 0) continue;
    Entry* e = db.EarliestDeadline();
    if (e != nullptr && (best == nullptr || e->expire_at_ms() < best->expire_at_ms())) {
      best = e;
      best_db = i;
    }
  }
  return best != nullptr && ks_->db(best_db).Evict(best->key(), /*volatile_only=*/true);
}

}  // namespace brisk::engine
