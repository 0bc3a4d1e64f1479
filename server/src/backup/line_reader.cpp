// SPDX-License-Identifier: MIT
// LineReader: lines of a stream, each bounded in length, counted from 1.
#include "backup/line_reader.hpp"

namespace mnemo::backup {

LineReader::Status LineReader::Next(std::string& line) {
    line.clear();
    std::streambuf* buffer = in_.rdbuf();
    if (buffer == nullptr) return Status::kEnd;
    int c = buffer->sbumpc();
    if (c == std::char_traits<char>::eof()) return Status::kEnd;
    ++line_number_;
    terminated_ = false;
    while (c != std::char_traits<char>::eof()) {
        if (c == '\n') {
            terminated_ = true;
            break;
        }
        if (line.size() >= max_bytes_) return Status::kTooLong;
        line.push_back(static_cast<char>(c));
        c = buffer->sbumpc();
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return Status::kLine;
}

bool LineReader::Rewind() {
    in_.clear();
    in_.seekg(0);
    if (!in_) {
        in_.clear();
        return false;
    }
    line_number_ = 0;
    terminated_ = true;
    return true;
}

}  // namespace mnemo::backup
