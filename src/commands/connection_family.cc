#include "commands/context.h"
#include "commands/families.h"

namespace brisk::cmd {

void RegisterConnectionFamily(CommandRegistry* r) { (void)r; }

}  // namespace brisk::cmd
