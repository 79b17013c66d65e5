#include "commands/families.h"

namespace brisk::cmd {

void RegisterAllCommands(CommandRegistry* r) {
  RegisterConnectionFamily(r);
  RegisterServerFamily(r);
  RegisterKeysFamily(r);
  RegisterStringFamily(r);
  RegisterTransactionFamily(r);
  RegisterPubsubFamily(r);
  RegisterTableFamily(r);
  RegisterHashFamily(r);
  RegisterSetFamily(r);
  RegisterListFamily(r);
  RegisterZSetFamily(r);
  RegisterBlockingFamily(r);
  RegisterScriptFamily(r);
}

}  // namespace brisk::cmd
