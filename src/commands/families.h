// Each command family registers its rows (the table at the bottom of its file).
#pragma once

#include "commands/command.h"

namespace brisk::cmd {

void RegisterConnectionFamily(CommandRegistry* r);   // connection_family.cc
void RegisterServerFamily(CommandRegistry* r);       // server_family.cc
void RegisterKeysFamily(CommandRegistry* r);         // keys_family.cc
void RegisterStringFamily(CommandRegistry* r);       // string_family.cc
void RegisterTransactionFamily(CommandRegistry* r);  // transaction_family.cc
void RegisterPubsubFamily(CommandRegistry* r);       // pubsub_family.cc
void RegisterTableFamily(CommandRegistry* r);        // table_family.cc
void RegisterHashFamily(CommandRegistry* r);         // hash_family.cc
void RegisterSetFamily(CommandRegistry* r);          // set_family.cc
void RegisterListFamily(CommandRegistry* r);         // list_family.cc
void RegisterZSetFamily(CommandRegistry* r);         // zset_family.cc (+ zset_range/store.cc)
void RegisterBlockingFamily(CommandRegistry* r);     // blocking_family.cc (BLPOP & co.)
void RegisterScriptFamily(CommandRegistry* r);       // script_family.cc (EVAL, SCRIPT)

}  // namespace brisk::cmd
