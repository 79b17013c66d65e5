#include "rest/sse.h"

#include <cstdio>

#include "rest/json.h"

namespace brisk::rest {

void AppendSseData(std::string_view data, std::string* out) {
  // Split on CR, LF and CRLF: each line is one data field (the client joins them back
  // with LF).
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    out->append("data: ");
    out->append(data.substr(start, end == std::string_view::npos ? end : end - start));
    out->push_back('\n');
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out->push_back('\n');
}

void AppendSseComment(std::string_view text, std::string* out) {
  out->append(": ");
  for (char c : text) out->push_back(c == '\n' || c == '\r' ? ' ' : c);
  out->append("\n\n");
}

void AppendUpstashEvent(cmd::CmdArgs frame, std::string* out) {
  std::string data;
  for (size_t i = 0; i < frame.size(); ++i) {
    if (i > 0) data.push_back(',');
    data.append(frame[i]);
  }
  AppendSseData(data, out);
}

void AppendTableEvent(std::string_view message, std::string_view table, char sep,
                      std::string* out) {
  size_t space = message.find(' ');
  std::string_view event = message.substr(0, space);
  std::string_view key =
      space == std::string_view::npos ? std::string_view() : message.substr(space + 1);
  if (!table.empty() && key.size() > table.size() && key.substr(0, table.size()) == table &&
      key[table.size()] == sep) {
    key.remove_prefix(table.size() + 1);
  }
  std::string data = "{\"event\":";
  AppendJsonString(event, &data);
  data.append(",\"key\":");
  AppendJsonString(key, &data);
  data.push_back('}');
  AppendSseData(data, out);
}

void AppendChunk(std::string_view text, std::string* out) {
  char head[24];
  int n = snprintf(head, sizeof(head), "%zx\r\n", text.size());
  out->append(head, size_t(n));
  out->append(text);
  out->append("\r\n");
}

}  // namespace brisk::rest
