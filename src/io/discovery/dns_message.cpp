#include "io/discovery/dns_message.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ledlab::io::dns {

Name name_from_dotted(std::string_view dotted) {
  Name name;
  while (!dotted.empty()) {
    const auto dot = dotted.find('.');
    name.emplace_back(dotted.substr(0, dot));
    if (dot == std::string_view::npos) break;
    dotted.remove_prefix(dot + 1);
  }
  return name;
}

std::string to_text(const Name& name) {
  std::string out;
  for (const auto& label : name) {
    if (!out.empty()) out += '.';
    for (char c : label) {
      if (c == '.' || c == '\\') out += '\\';
      out += c;
    }
  }
  return out;
}

bool same_name(const Name& a, const Name& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const std::string& x, const std::string& y) {
    return std::equal(x.begin(), x.end(), y.begin(), y.end(), [](char p, char q) {
      return std::tolower(static_cast<unsigned char>(p)) == std::tolower(static_cast<unsigned char>(q));
    });
  });
}

namespace {

// ---- writing ----

class Writer {
 public:
  void u8(std::uint8_t v) { out_.push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v & 0xFF));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v & 0xFFFF));
  }
  void bytes(std::string_view s) { out_.insert(out_.end(), s.begin(), s.end()); }
  Status name(const Name& name) {
    std::size_t length = 1;  // the root's zero byte
    for (const auto& label : name) {
      if (label.empty() || label.size() > kMaxLabel)
        return fail(Errc::invalid_argument, fmt::format("DNS name '{}': a label of {} bytes (1..{} allowed)",
                                                        to_text(name), label.size(), kMaxLabel));
      length += 1 + label.size();
    }
    if (length > kMaxName)
      return fail(Errc::invalid_argument, fmt::format("DNS name '{}': {} bytes (at most {})", to_text(name), length, kMaxName));
    for (const auto& label : name) {
      u8(static_cast<std::uint8_t>(label.size()));
      bytes(label);
    }
    u8(0);
    return {};
  }
  std::size_t size() const { return out_.size(); }
  void patch_u16(std::size_t at, std::uint16_t v) {
    out_[at] = static_cast<std::uint8_t>(v >> 8);
    out_[at + 1] = static_cast<std::uint8_t>(v & 0xFF);
  }
  std::vector<std::uint8_t> take() { return std::move(out_); }

 private:
  std::vector<std::uint8_t> out_;
};

Status write_rdata(Writer& w, const Record& r) {
  switch (static_cast<Type>(r.type)) {
    case Type::ptr:
      return w.name(r.ptr);
    case Type::srv:
      w.u16(r.srv.priority);
      w.u16(r.srv.weight);
      w.u16(r.srv.port);
      return w.name(r.srv.target);
    case Type::txt:
      // RFC 6763 section 6.1: an empty TXT record still holds one empty string.
      if (r.txt.empty()) w.u8(0);
      for (const auto& s : r.txt) {
        if (s.size() > 255)
          return fail(Errc::invalid_argument, fmt::format("TXT record of {}: a string of {} bytes (at most 255)",
                                                          to_text(r.name), s.size()));
        w.u8(static_cast<std::uint8_t>(s.size()));
        w.bytes(s);
      }
      return {};
    case Type::a:
      for (auto b : r.a) w.u8(b);
      return {};
    case Type::aaaa:
      for (auto b : r.aaaa) w.u8(b);
      return {};
    default:
      w.bytes(r.other);
      return {};
  }
}

Status write_record(Writer& w, const Record& r) {
  if (auto st = w.name(r.name); !st) return st;
  w.u16(r.type);
  w.u16(static_cast<std::uint16_t>(kClassIn | (r.cache_flush ? kTopBit : 0)));
  w.u32(r.ttl_s);
  const std::size_t length_at = w.size();
  w.u16(0);
  if (auto st = write_rdata(w, r); !st) return st;
  const std::size_t length = w.size() - length_at - 2;
  if (length > 0xFFFF)
    return fail(Errc::invalid_argument, fmt::format("record of {}: {} bytes of data", to_text(r.name), length));
  w.patch_u16(length_at, static_cast<std::uint16_t>(length));
  return {};
}

// ---- reading ----

// Reads a packet from the LAN; every read is bounds-checked and a failure names the offset.
class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> packet) : p_(packet) {}

  std::size_t pos() const { return pos_; }
  std::size_t size() const { return p_.size(); }

  Result<std::uint8_t> u8() {
    if (pos_ >= p_.size()) return truncated("a byte");
    return p_[pos_++];
  }
  Result<std::uint16_t> u16() {
    if (p_.size() - pos_ < 2) return truncated("a 16-bit field");
    std::uint16_t v = static_cast<std::uint16_t>(p_[pos_] << 8 | p_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  Result<std::uint32_t> u32() {
    auto hi = u16();
    if (!hi) return fail(hi.error());
    auto lo = u16();
    if (!lo) return fail(lo.error());
    return static_cast<std::uint32_t>(*hi) << 16 | *lo;
  }
  Result<std::string> bytes(std::size_t n) {
    if (p_.size() - pos_ < n) return truncated(fmt::format("{} bytes", n));
    std::string s(reinterpret_cast<const char*>(p_.data() + pos_), n);
    pos_ += n;
    return s;
  }

  // RFC 1035 section 4.1.4: a name is labels ending in a zero byte or in a pointer to an
  // earlier name. A pointer must point before the start of the run of labels that holds it,
  // so every jump lands strictly earlier than the one before and the walk always ends (a
  // pointer merely before itself would allow a loop through the labels in between); the
  // expanded name is held to 255 bytes.
  Result<Name> name() {
    Name name;
    std::size_t at = pos_;           // where the next label is read
    std::size_t run_start = pos_;    // where the current run of labels began
    std::size_t resume = 0;          // where reading goes on after the first pointer
    bool jumped = false;
    std::size_t length = 1;
    for (;;) {
      if (at >= p_.size()) return bad(at, "a name runs past the end of the packet");
      const std::uint8_t len = p_[at];
      if ((len & 0xC0) == 0xC0) {
        if (at + 1 >= p_.size()) return bad(at, "a compression pointer cut off by the end of the packet");
        const std::size_t target = static_cast<std::size_t>(len & 0x3F) << 8 | p_[at + 1];
        if (target >= run_start)
          return bad(at, fmt::format("a compression pointer to byte {} that does not point backwards (a loop)", target));
        if (!jumped) resume = at + 2;
        jumped = true;
        at = run_start = target;
        continue;
      }
      if ((len & 0xC0) != 0) return bad(at, fmt::format("label type 0x{:02x} (RFC 6891 extended labels are not used)", len & 0xC0));
      if (len == 0) {
        pos_ = jumped ? resume : at + 1;
        return name;
      }
      length += 1u + len;
      if (length > kMaxName) return bad(at, fmt::format("a name longer than {} bytes", kMaxName));
      if (p_.size() - at - 1 < len) return bad(at, "a label runs past the end of the packet");
      name.emplace_back(reinterpret_cast<const char*>(p_.data() + at + 1), len);
      at += 1u + len;
    }
  }

  std::unexpected<Error> bad(std::size_t at, std::string why) const {
    return fail(Errc::protocol, fmt::format("DNS message of {} bytes: {} at byte {}", p_.size(), why, at));
  }

 private:
  std::unexpected<Error> truncated(std::string what) const {
    return bad(pos_, fmt::format("truncated: {} expected", what));
  }
  std::span<const std::uint8_t> p_;
  std::size_t pos_ = 0;
};

#define LEDLAB_TRY(var, expr)        \
  auto var = (expr);                 \
  if (!var) return fail(var.error())

Result<Question> read_question(Reader& r) {
  LEDLAB_TRY(name, r.name());
  LEDLAB_TRY(type, r.u16());
  LEDLAB_TRY(cls, r.u16());
  Question q;
  q.name = std::move(*name);
  q.type = *type;
  q.unicast_response = (*cls & kTopBit) != 0;
  return q;
}

Status read_rdata(Reader& r, Record& rec, std::size_t end) {
  const std::size_t start = r.pos();
  const std::size_t length = end - start;
  const auto fixed = [&](std::size_t want, std::uint8_t* into) -> Status {
    if (length != want)
      return r.bad(start, fmt::format("{} record of {} bytes (must be {})", rec.type == 1 ? "an A" : "an AAAA", length, want));
    for (std::size_t i = 0; i < want; ++i) {
      LEDLAB_TRY(b, r.u8());
      into[i] = *b;
    }
    return {};
  };
  switch (static_cast<Type>(rec.type)) {
    case Type::ptr: {
      LEDLAB_TRY(n, r.name());
      rec.ptr = std::move(*n);
      break;
    }
    case Type::srv: {
      LEDLAB_TRY(priority, r.u16());
      LEDLAB_TRY(weight, r.u16());
      LEDLAB_TRY(port, r.u16());
      LEDLAB_TRY(target, r.name());
      rec.srv = Srv{*priority, *weight, *port, std::move(*target)};
      break;
    }
    case Type::txt:
      while (r.pos() < end) {
        LEDLAB_TRY(n, r.u8());
        if (*n > end - r.pos()) return r.bad(r.pos() - 1, "a TXT string longer than its record");
        LEDLAB_TRY(s, r.bytes(*n));
        if (!s->empty()) rec.txt.push_back(std::move(*s));
      }
      break;
    case Type::a:
      return fixed(4, rec.a.data());
    case Type::aaaa:
      return fixed(16, rec.aaaa.data());
    default: {
      LEDLAB_TRY(raw, r.bytes(length));
      rec.other = std::move(*raw);
      break;
    }
  }
  // A name inside RDATA may run past it (a hostile length); the record must end where it says.
  if (r.pos() != end) return r.bad(start, fmt::format("record data of {} bytes does not match its length {}", r.pos() - start, length));
  return {};
}

Result<Record> read_record(Reader& r) {
  LEDLAB_TRY(name, r.name());
  LEDLAB_TRY(type, r.u16());
  LEDLAB_TRY(cls, r.u16());
  LEDLAB_TRY(ttl, r.u32());
  LEDLAB_TRY(rdlength, r.u16());
  if (*rdlength > r.size() - r.pos()) return r.bad(r.pos() - 2, fmt::format("record data of {} bytes past the end", *rdlength));
  Record rec;
  rec.name = std::move(*name);
  rec.type = *type;
  rec.cache_flush = (*cls & kTopBit) != 0;
  rec.ttl_s = *ttl;
  if (auto st = read_rdata(r, rec, r.pos() + *rdlength); !st) return fail(st.error());
  return rec;
}

}  // namespace

Result<std::vector<std::uint8_t>> encode(const Message& m) {
  Writer w;
  w.u16(m.id);
  w.u16(m.flags);
  for (std::size_t count : {m.questions.size(), m.answers.size(), m.authorities.size(), m.additionals.size()}) {
    if (count > 0xFFFF) return fail(Errc::invalid_argument, fmt::format("DNS message: {} entries in a section", count));
    w.u16(static_cast<std::uint16_t>(count));
  }
  for (const auto& q : m.questions) {
    if (auto st = w.name(q.name); !st) return fail(st.error());
    w.u16(q.type);
    w.u16(static_cast<std::uint16_t>(kClassIn | (q.unicast_response ? kTopBit : 0)));
  }
  for (const auto* section : {&m.answers, &m.authorities, &m.additionals})
    for (const auto& r : *section)
      if (auto st = write_record(w, r); !st) return fail(st.error());
  if (w.size() > kMaxMessage)
    return fail(Errc::invalid_argument, fmt::format("DNS message of {} bytes (mDNS allows {})", w.size(), kMaxMessage));
  return w.take();
}

Result<Message> decode(std::span<const std::uint8_t> packet) {
  Reader r(packet);
  Message m;
  LEDLAB_TRY(id, r.u16());
  LEDLAB_TRY(flags, r.u16());
  LEDLAB_TRY(qd, r.u16());
  LEDLAB_TRY(an, r.u16());
  LEDLAB_TRY(ns, r.u16());
  LEDLAB_TRY(ar, r.u16());
  m.id = *id;
  m.flags = *flags;
  // No reserve() from the counts: a hostile count would allocate; each entry takes at least
  // five bytes, so the loops end with the packet.
  for (std::uint16_t i = 0; i < *qd; ++i) {
    LEDLAB_TRY(q, read_question(r));
    m.questions.push_back(std::move(*q));
  }
  const std::pair<std::uint16_t, std::vector<Record>*> sections[] = {{*an, &m.answers}, {*ns, &m.authorities}, {*ar, &m.additionals}};
  for (auto [count, into] : sections)
    for (std::uint16_t i = 0; i < count; ++i) {
      LEDLAB_TRY(rec, read_record(r));
      into->push_back(std::move(*rec));
    }
  return m;
}

#undef LEDLAB_TRY

Record ptr_record(Name name, Name target, std::uint32_t ttl_s) {
  Record r;
  r.name = std::move(name);
  r.type = static_cast<std::uint16_t>(Type::ptr);
  r.ttl_s = ttl_s;
  r.ptr = std::move(target);
  return r;
}

Record srv_record(Name name, std::uint16_t port, Name target, std::uint32_t ttl_s) {
  Record r;
  r.name = std::move(name);
  r.type = static_cast<std::uint16_t>(Type::srv);
  r.cache_flush = true;  // RFC 6762 section 10.2: unique records set the cache-flush bit
  r.ttl_s = ttl_s;
  r.srv.port = port;
  r.srv.target = std::move(target);
  return r;
}

Record txt_record(Name name, std::vector<std::string> strings, std::uint32_t ttl_s) {
  Record r;
  r.name = std::move(name);
  r.type = static_cast<std::uint16_t>(Type::txt);
  r.cache_flush = true;
  r.ttl_s = ttl_s;
  r.txt = std::move(strings);
  return r;
}

Record a_record(Name name, std::array<std::uint8_t, 4> address, std::uint32_t ttl_s) {
  Record r;
  r.name = std::move(name);
  r.type = static_cast<std::uint16_t>(Type::a);
  r.cache_flush = true;
  r.ttl_s = ttl_s;
  r.a = address;
  return r;
}

}  // namespace ledlab::io::dns
