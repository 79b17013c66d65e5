#include "commands/context.h"
#include "commands/families.h"

namespace brisk::cmd {

void RegisterServerFamily(CommandRegistry* r) { (void)r; }

}  // namespace brisk::cmd
