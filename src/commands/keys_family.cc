#include "commands/context.h"
#include "commands/families.h"

namespace brisk::cmd {

void RegisterKeysFamily(CommandRegistry* r) { (void)r; }

}  // namespace brisk::cmd
