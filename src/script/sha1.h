// SHA-1 (FIPS 180-4) for the script cache: a script is named by the lowercase hex SHA-1
// of its body, as in Redis (EVALSHA, SCRIPT LOAD, redis.sha1hex).
//
// Thread safety: pure functions.
#pragma once

#include <string_view>

namespace brisk::script {

// Writes the 40 lowercase hex digits of SHA-1(data) into out (no terminator).
void Sha1Hex(std::string_view data, char out[40]);

}  // namespace brisk::script
