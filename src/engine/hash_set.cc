#include "engine/hash_set.h"

#include <algorithm>
#include <cassert>
#include <memory>

#include "common/numbers.h"
#include "engine/buffer_pool.h"

namespace brisk::engine {

namespace {

bool IsHashType(ObjType t) {
  return t == ObjType::kHash;
}

}  // namespace

size_t FormatIntsetMember(int64_t v, char* buf) {
  return FormatInt64(v, buf);
}

// ---------------------------------------------------------------------------------
// Reading

size_t CollectionLen(const Entry& e) {
  Enc enc = EncodingOf(e);
  if (enc == Enc::kSetIntset) return IntsetView(InlineBody(e)).size();
  if (IsExternal(enc)) return pmap::Count(ExternalRoot(e));
  size_t n;
  LpElements(InlineBody(e), &n);
  return enc == Enc::kHashListpack ? n / 2 : n;
}

bool CollectionFind(const Entry& e, std::string_view field, std::string_view* value) {
  Enc enc = EncodingOf(e);
  if (enc == Enc::kSetIntset) {
    int64_t v;
    size_t pos;
    *value = {};
    return ParseInt64(field, &v) && IntsetView(InlineBody(e)).Find(v, &pos);
  }
  if (IsExternal(enc)) return pmap::Find(ExternalRoot(e), field, value);
  bool pairs = enc == Enc::kHashListpack;
  size_t n;
  LpCursor c(LpElements(InlineBody(e), &n));
  while (!c.done()) {
    std::string_view f = c.Next();
    std::string_view v = pairs ? c.Next() : std::string_view();
    if (f == field) {
      *value = v;
      return true;
    }
  }
  return false;
}

void CollectionNth(const Entry& e, size_t i, char* buf, std::string_view* field,
                   std::string_view* value) {
  Enc enc = EncodingOf(e);
  *value = {};
  if (enc == Enc::kSetIntset) {
    *field = {buf, FormatIntsetMember(IntsetView(InlineBody(e)).at(i), buf)};
    return;
  }
  if (IsExternal(enc)) {
    pmap::Item it = pmap::Nth(ExternalRoot(e), i);
    *field = it.field;
    *value = it.value;
    return;
  }
  bool pairs = enc == Enc::kHashListpack;
  size_t n;
  LpCursor c(LpElements(InlineBody(e), &n));
  for (size_t k = 0;; ++k) {
    std::string_view f = c.Next();
    std::string_view v = pairs ? c.Next() : std::string_view();
    if (k == i) {
      *field = f;
      *value = v;
      return;
    }
  }
}

// ---------------------------------------------------------------------------------
// HashSetEditor

HashSetEditor::HashSetEditor(Db& db, std::string_view key, Entry* e, ObjType type,
                             const CollectionLimits& limits)
    : db_(db), key_(key), entry_(e), type_(type), limits_(limits), existed_(e != nullptr) {
  if (e == nullptr) {
    mode_ = Mode::kListpack;  // sets pick theirs in InitNewSet
    elems_ = AcquireBuffer();
    return;
  }
  Enc enc = EncodingOf(*e);
  if (enc == Enc::kSetIntset) {
    mode_ = Mode::kIntset;
    IntsetView is(InlineBody(*e));
    ints_.resize(is.size());
    for (size_t i = 0; i < is.size(); ++i) ints_[i] = is.at(i);
  } else if (IsExternal(enc)) {
    mode_ = Mode::kTable;
    table_.emplace(ExternalRoot(*e), ExternalBytes(*e));
  } else {
    mode_ = Mode::kListpack;
    elems_ = AcquireBuffer();
    std::string_view body = LpElements(InlineBody(*e), &count_);
    elems_->assign(body);
  }
}

HashSetEditor::~HashSetEditor() {
  ReleaseBuffer(elems_);
}

void HashSetEditor::InitNewSet(std::string_view first, size_t size_hint) {
  assert(!existed_ && type_ == ObjType::kSet && Len() == 0);
  int64_t v;
  if (ParseInt64(first, &v) && size_hint <= limits_.set_max_intset_entries) {
    mode_ = Mode::kIntset;
  } else if (size_hint > limits_.set_max_listpack_entries) {
    ToTable();
  }
}

size_t HashSetEditor::Len() const {
  switch (mode_) {
    case Mode::kListpack:
      return IsHashType(type_) ? count_ / 2 : count_;
    case Mode::kIntset:
      return ints_.size();
    case Mode::kTable:
      return pmap::Count(table_->root());
  }
  return 0;
}

void HashSetEditor::Reserve(size_t incoming, size_t max_len) {
  if (mode_ == Mode::kTable) return;
  if (IsHashType(type_)) {
    if (incoming > limits_.hash_max_listpack_entries || max_len > limits_.hash_max_listpack_value) {
      ToTable();
    }
  } else if ((mode_ == Mode::kListpack && incoming > limits_.set_max_listpack_entries) ||
             (mode_ == Mode::kIntset && incoming > limits_.set_max_intset_entries)) {
    ToTable();
  }
}

void HashSetEditor::ToTable() {
  std::vector<pmap::Item> items;
  items.reserve(Len());
  std::string digits;  // intset members, formatted
  if (mode_ == Mode::kIntset) {
    digits.reserve(ints_.size() * 21);
    std::vector<std::pair<size_t, size_t>> spans;
    for (int64_t v : ints_) {
      char buf[24];
      size_t n = FormatInt64(v, buf);
      spans.emplace_back(digits.size(), n);
      digits.append(buf, n);
    }
    for (auto [off, n] : spans) {
      std::string_view f(digits.data() + off, n);
      items.push_back({pmap::HashOf(f), f, {}});
    }
  } else if (mode_ == Mode::kListpack) {
    bool pairs = IsHashType(type_);
    LpCursor c(*elems_);
    while (!c.done()) {
      std::string_view f = c.Next();
      std::string_view v = pairs ? c.Next() : std::string_view();
      items.push_back({pmap::HashOf(f), f, v});
    }
  }
  table_.emplace(nullptr, 0);
  table_->BuildFrom(items);  // copies the bytes: elems_/digits may go now
  mode_ = Mode::kTable;
  ints_.clear();
  changed_ = true;  // the encoding changed even if no element does
}

void HashSetEditor::ToListpack() {
  assert(mode_ == Mode::kIntset);
  if (elems_ == nullptr) elems_ = AcquireBuffer();
  elems_->clear();
  char buf[24];
  for (int64_t v : ints_) LpAppend(elems_, std::string_view(buf, FormatInt64(v, buf)));
  count_ = ints_.size();
  ints_.clear();
  mode_ = Mode::kListpack;
  changed_ = true;
}

bool HashSetEditor::ListpackFind(std::string_view field, size_t* off, size_t* len,
                                 std::string_view* value) const {
  bool pairs = IsHashType(type_);
  LpCursor c(*elems_);
  while (!c.done()) {
    const char* start = c.pos();
    std::string_view f = c.Next();
    std::string_view v = pairs ? c.Next() : std::string_view();
    if (f == field) {
      *off = size_t(start - elems_->data());
      *len = size_t(c.pos() - start);
      *value = v;
      return true;
    }
  }
  return false;
}

bool HashSetEditor::Find(std::string_view field, std::string_view* value) const {
  switch (mode_) {
    case Mode::kListpack: {
      size_t off, len;
      return ListpackFind(field, &off, &len, value);
    }
    case Mode::kIntset: {
      int64_t v;
      *value = {};
      return ParseInt64(field, &v) && std::binary_search(ints_.begin(), ints_.end(), v);
    }
    case Mode::kTable:
      return pmap::Find(table_->root(), field, value);
  }
  return false;
}

bool HashSetEditor::Set(std::string_view field, std::string_view value) {
  const bool hash = IsHashType(type_);
  if (mode_ == Mode::kIntset) {
    int64_t v;
    if (ParseInt64(field, &v)) {
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it != ints_.end() && *it == v) return false;
      ints_.insert(it, v);
      changed_ = true;
      if (ints_.size() > limits_.set_max_intset_entries) ToTable();
      return true;
    }
    // Redis's setTypeAddAux: listpack if every member would fit it, else hashtable.
    size_t maxlen = 0;
    if (!ints_.empty()) {
      char a[24], b[24];
      maxlen = std::max(FormatInt64(ints_.front(), a), FormatInt64(ints_.back(), b));
    }
    if (ints_.size() < limits_.set_max_listpack_entries &&
        field.size() <= limits_.set_max_listpack_value &&
        maxlen <= limits_.set_max_listpack_value) {
      ToListpack();
    } else {
      ToTable();
    }
  }
  if (mode_ == Mode::kListpack) {
    size_t off, len;
    std::string_view old;
    if (ListpackFind(field, &off, &len, &old)) {
      if (!hash || old == value) return false;
      // Overwrite in place (keeps the field's position, as lpReplace).
      size_t voff = off + LpElementBytes(field);
      char lenbuf[10];
      size_t ln = PutVarint(lenbuf, value.size());
      elems_->replace(voff, len - LpElementBytes(field), lenbuf, ln);
      elems_->insert(voff + ln, value);
      changed_ = true;
      return false;
    }
    size_t max_entries =
        hash ? limits_.hash_max_listpack_entries : limits_.set_max_listpack_entries;
    size_t max_value = hash ? limits_.hash_max_listpack_value : limits_.set_max_listpack_value;
    if (Len() + 1 > max_entries || field.size() > max_value || value.size() > max_value) {
      ToTable();
    } else {
      LpAppend(elems_, field);
      if (hash) LpAppend(elems_, value);
      count_ += hash ? 2 : 1;
      changed_ = true;
      return true;
    }
  }
  std::string_view old;
  bool existed = pmap::Find(table_->root(), field, &old);
  if (existed && old == value) return false;
  table_->Upsert(field, value);
  changed_ = true;
  return !existed;
}

bool HashSetEditor::Del(std::string_view field) {
  switch (mode_) {
    case Mode::kListpack: {
      size_t off, len;
      std::string_view old;
      if (!ListpackFind(field, &off, &len, &old)) return false;
      elems_->erase(off, len);
      count_ -= IsHashType(type_) ? 2 : 1;
      changed_ = true;
      return true;
    }
    case Mode::kIntset: {
      int64_t v;
      if (!ParseInt64(field, &v)) return false;
      auto it = std::lower_bound(ints_.begin(), ints_.end(), v);
      if (it == ints_.end() || *it != v) return false;
      ints_.erase(it);
      changed_ = true;
      return true;
    }
    case Mode::kTable:
      if (!table_->Erase(field)) return false;
      changed_ = true;
      return true;
  }
  return false;
}

bool HashSetEditor::Commit() {
  if (!changed_) return Len() > 0 || existed_;
  if (Len() == 0) {
    if (mode_ == Mode::kTable) {
      (void)table_->Finish();
      // The whole previous tree is retired with the key (Db::Erase), replaced nodes
      // included.
      table_->ForgetReplaced();
    }
    // The entry is live (the caller found it), so no expiry check is needed: now = 0.
    if (existed_) db_.Erase(key_, 0);
    return false;
  }
  char hdr[1 + kExternalValueBytes];
  std::string_view body;
  std::string_view head;
  std::string* buf = nullptr;
  switch (mode_) {
    case Mode::kListpack: {
      Enc enc = IsHashType(type_) ? Enc::kHashListpack : Enc::kSetListpack;
      head = {hdr, LpHeader(uint8_t(enc), count_, hdr)};
      body = *elems_;
      break;
    }
    case Mode::kIntset:
      buf = AcquireBuffer();
      EncodeIntset(uint8_t(Enc::kSetIntset), ints_, buf);
      head = *buf;
      break;
    case Mode::kTable: {
      const pmap::Node* root = table_->Finish();
      Enc enc = IsHashType(type_) ? Enc::kHashTable : Enc::kSetTable;
      EncodeExternal(enc, root, table_->bytes(), hdr);
      head = {hdr, sizeof(hdr)};
      break;
    }
  }
  if (existed_) {
    entry_ = db_.SetCollection(entry_, type_, {head, body});
  } else {
    entry_ = db_.InsertCollection(key_, type_, {head, body});
  }
  // Only now, with the new version published, may the old nodes be retired.
  if (mode_ == Mode::kTable) table_->RetireReplaced();
  ReleaseBuffer(buf);
  existed_ = true;
  changed_ = false;
  return true;
}

}  // namespace brisk::engine
