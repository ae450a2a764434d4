// A forward-only byte source over a file or a memory buffer that inflates gzip on the fly, so a
// trace reader holds one chunk of input and one record at a time, never the whole (decompressed)
// file: a 2 MB gzip that inflates to 2 GiB costs 64 KiB of buffers until a record is rejected.
//
// Gzip is detected by the magic bytes 1f 8b at the start (RFC 1952) and inflated with zlib,
// every member in turn (concatenated gzip files are one stream, as gunzip treats them).
// Errors: ConfigError(label, "gzip byte N", "truncated gzip stream" | "corrupt gzip stream") with N
// the compressed offset; ConfigError(label, "", "cannot open file" | "read error").
// Thread safety: one stream per reader; not shared.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace rocesim::workload {

class ByteStream {
 public:
  struct Memory {};
  // Reads the file `path`; `label` names it in errors.
  ByteStream(const std::string& path, const std::string& label);
  // Reads `bytes`, which must outlive the stream.
  ByteStream(Memory, std::string_view bytes, const std::string& label);

  // Not movable: zlib's state points back at its z_stream.
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;
  ~ByteStream();

  bool gzip() const { return gzip_; }
  // Fills up to `n` bytes of `out` with (decompressed) content; returns how many, 0 at the end.
  std::size_t read(char* out, std::size_t n);

 private:
  void start();  // detects gzip from the first input chunk
  std::size_t read_raw(char* out, std::size_t n);  // file or memory bytes as stored
  bool refill_input();                          // next compressed chunk; false at the end
  std::size_t inflate_into(char* out, std::size_t n);

  std::string label_;
  std::FILE* file_ = nullptr;
  std::string_view memory_;
  std::size_t memory_pos_ = 0;
  bool raw_end_ = false;
  bool gzip_ = false;
  bool finished_ = false;  // gzip: the last member ended with no input after it
  std::vector<char> in_;   // one chunk of stored bytes
  std::size_t in_pos_ = 0, in_end_ = 0;  // plain reads: the unread part of in_
  std::uint64_t raw_consumed_ = 0;       // stored bytes handed to zlib, for error offsets
  z_stream zs_{};
  bool zs_live_ = false;
};

}  // namespace rocesim::workload
