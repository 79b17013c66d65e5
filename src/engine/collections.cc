#include "engine/collections.h"

#include "engine/list.h"
#include "engine/pmap.h"
#include "engine/zset.h"

namespace brisk::engine {

std::string_view EncName(Enc enc) {
  switch (enc) {
    case Enc::kHashListpack:
    case Enc::kSetListpack:
    case Enc::kListListpack:
    case Enc::kZSetListpack:
      return "listpack";
    case Enc::kZSetSkiplist:
      return "skiplist";
    case Enc::kListQuicklist:
      return "quicklist";
    case Enc::kHashTable:
    case Enc::kSetTable:
      return "hashtable";
    case Enc::kSetIntset:
      return "intset";
  }
  return "unknown";
}

size_t Entry::CollectionExternalBytes() const {
  return IsExternal(EncodingOf(*this)) ? ExternalBytes(*this) : 0;
}

void RetireExternalValue(const Entry& e) {
  if (e.type() == ObjType::kString || !IsExternal(EncodingOf(e))) return;
  if (EncodingOf(e) == Enc::kListQuicklist) return list::RetireAll(e);
  if (EncodingOf(e) == Enc::kZSetSkiplist) return ZSetRetire(e);
  pmap::RetireAll(ExternalRoot(e));
}

void FreeExternalValue(const Entry& e) {
  if (e.type() == ObjType::kString || !IsExternal(EncodingOf(e))) return;
  if (EncodingOf(e) == Enc::kListQuicklist) return list::FreeAll(e);
  if (EncodingOf(e) == Enc::kZSetSkiplist) return ZSetFree(e);
  pmap::FreeAll(ExternalRoot(e));
}

void CopyExternalValue(char* value, size_t len) {
  Enc enc = Enc(uint8_t(value[0]));
  if (enc == Enc::kZSetSkiplist && len == 1 + kExternalValueBytes + sizeof(void*)) {
    return ZSetDeepCopy(value);
  }
  if (enc == Enc::kListQuicklist && len == 1 + list::kViewBytes) return list::DeepCopyValue(value);
  if (!IsExternal(enc) || len != 1 + kExternalValueBytes) return;
  const pmap::Node* root;
  std::memcpy(&root, value + 1, sizeof(root));
  size_t bytes = 0;
  const pmap::Node* copy = pmap::DeepCopy(root, &bytes);
  EncodeExternal(enc, copy, bytes, value);
}

}  // namespace brisk::engine
