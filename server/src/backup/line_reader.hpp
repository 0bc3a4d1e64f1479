// SPDX-License-Identifier: MIT
// LineReader: lines of a stream, each bounded in length, counted from 1.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

namespace mnemo::backup {

/// Reads '\n'-terminated lines (a final line without '\n' counts; a trailing '\r' is
/// dropped) and refuses one longer than `max_bytes` as soon as it passes the bound, without
/// reading the rest of it.
///
/// Thread safety: one thread at a time; `in` must outlive the reader.
class LineReader {
public:
    enum class Status { kLine, kEnd, kTooLong };

    LineReader(std::istream& in, std::size_t max_bytes) : in_(in), max_bytes_(max_bytes) {}

    /// The next line into `line`: kLine, kEnd at the end of input, or kTooLong (the line
    /// number is that line's).
    Status Next(std::string& line);

    /// The number of the line Next returned last (1-based).
    [[nodiscard]] std::int64_t line_number() const { return line_number_; }
    /// Whether the last line read ended with '\n' (false: the input stopped inside it).
    [[nodiscard]] bool terminated() const { return terminated_; }
    /// Whether Rewind can work (the stream reports a position).
    [[nodiscard]] bool Seekable() const { return in_.tellg() != std::streampos(-1); }
    /// Goes back to the start of the input; false when the stream cannot seek (a pipe).
    bool Rewind();

private:
    std::istream& in_;
    std::size_t max_bytes_;
    std::int64_t line_number_ = 0;
    bool terminated_ = true;
};

}  // namespace mnemo::backup
