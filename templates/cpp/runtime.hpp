// codeq test-driver runtime (C++): a small JSON reader for test inputs, conversions to the
// parameter types LeetCode uses, and one canonical JSON form for results. Inlined into every
// driver after the candidate's code, so TreeNode and ListNode are whatever the program uses.
namespace codeq {

struct Json {
  enum Kind { Null, Bool, Number, String, Array, Object } kind = Null;
  bool boolean = false;
  std::string text;  // a number's digits or a string's contents
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;

  const Json& operator[](const std::string& key) const {
    for (const auto& field : fields)
      if (field.first == key) return field.second;
    throw std::runtime_error("codeq: missing key " + key);
  }
};

struct Reader {
  const std::string& s;
  size_t i = 0;
  explicit Reader(const std::string& text) : s(text) {}

  void space() {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) i++;
  }
  [[noreturn]] void fail(const char* what) {
    throw std::runtime_error(std::string("codeq: bad test input: ") + what + " at " + std::to_string(i));
  }
  std::string string() {
    std::string out;
    i++;  // opening quote
    while (i < s.size() && s[i] != '"') {
      char c = s[i++];
      if (c != '\\') {
        out += c;
        continue;
      }
      char e = s[i++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          unsigned code = std::stoul(s.substr(i, 4), nullptr, 16);
          i += 4;
          if (code < 0x80) out += static_cast<char>(code);
          else if (code < 0x800) {
            out += static_cast<char>(0xC0 | (code >> 6));
            out += static_cast<char>(0x80 | (code & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (code >> 12));
            out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (code & 0x3F));
          }
          break;
        }
        default: out += e;
      }
    }
    if (i >= s.size()) fail("unterminated string");
    i++;
    return out;
  }
  Json value() {
    space();
    if (i >= s.size()) fail("unexpected end");
    Json v;
    char c = s[i];
    if (c == '[') {
      v.kind = Json::Array;
      i++;
      space();
      if (s[i] == ']') {
        i++;
        return v;
      }
      for (;;) {
        v.items.push_back(value());
        space();
        if (s[i] == ',') i++;
        else if (s[i] == ']') {
          i++;
          return v;
        } else fail("expected , or ]");
      }
    }
    if (c == '{') {
      v.kind = Json::Object;
      i++;
      space();
      if (s[i] == '}') {
        i++;
        return v;
      }
      for (;;) {
        space();
        std::string key = string();
        space();
        if (s[i++] != ':') fail("expected :");
        v.fields.emplace_back(key, value());
        space();
        if (s[i] == ',') i++;
        else if (s[i] == '}') {
          i++;
          return v;
        } else fail("expected , or }");
      }
    }
    if (c == '"') {
      v.kind = Json::String;
      v.text = string();
      return v;
    }
    if (s.compare(i, 4, "true") == 0) {
      i += 4;
      v.kind = Json::Bool;
      v.boolean = true;
      return v;
    }
    if (s.compare(i, 5, "false") == 0) {
      i += 5;
      v.kind = Json::Bool;
      return v;
    }
    if (s.compare(i, 4, "null") == 0) {
      i += 4;
      return v;
    }
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || std::strchr("+-.eE", s[i]))) i++;
    if (start == i) fail("unexpected character");
    v.kind = Json::Number;
    v.text = s.substr(start, i - start);
    return v;
  }
};

inline Json parse(const std::string& text) {
  Reader reader(text);
  return reader.value();
}

// ---- test input -> parameter types --------------------------------------------------------
template <class T, class Enable = void>
struct From;

template <class T>
struct From<T, typename std::enable_if<std::is_integral<T>::value && !std::is_same<T, bool>::value &&
                                        !std::is_same<T, char>::value>::type> {
  static T get(const Json& j) {
    if (j.kind == Json::String && j.text.size() == 1) return static_cast<T>(j.text[0]);
    if (j.text.find_first_of(".eE") != std::string::npos) return static_cast<T>(std::stold(j.text));
    if (std::is_unsigned<T>::value) return static_cast<T>(std::stoull(j.text));
    return static_cast<T>(std::stoll(j.text));
  }
};
template <class T>
struct From<T, typename std::enable_if<std::is_floating_point<T>::value>::type> {
  static T get(const Json& j) { return static_cast<T>(std::stold(j.text)); }
};
template <>
struct From<bool> {
  static bool get(const Json& j) { return j.kind == Json::Bool ? j.boolean : j.text != "0"; }
};
template <>
struct From<char> {
  static char get(const Json& j) { return j.kind == Json::String ? (j.text.empty() ? '\0' : j.text[0]) : static_cast<char>(std::stoi(j.text)); }
};
template <>
struct From<std::string> {
  static std::string get(const Json& j) { return j.text; }
};
template <class T>
struct From<std::vector<T>> {
  static std::vector<T> get(const Json& j) {
    std::vector<T> out;
    out.reserve(j.items.size());
    for (const auto& item : j.items) out.push_back(From<T>::get(item));
    return out;
  }
};
template <>
struct From<TreeNode*> {
  static TreeNode* get(const Json& j) {
    if (j.items.empty() || j.items[0].kind == Json::Null) return nullptr;
    TreeNode* root = new TreeNode(From<int>::get(j.items[0]));
    std::vector<TreeNode*> queue{root};
    size_t next = 1;
    for (size_t q = 0; q < queue.size() && next < j.items.size(); q++) {
      for (int side = 0; side < 2 && next < j.items.size(); side++, next++) {
        if (j.items[next].kind == Json::Null) continue;
        TreeNode* child = new TreeNode(From<int>::get(j.items[next]));
        (side == 0 ? queue[q]->left : queue[q]->right) = child;
        queue.push_back(child);
      }
    }
    return root;
  }
};
template <>
struct From<ListNode*> {
  static ListNode* get(const Json& j) {
    ListNode* head = nullptr;
    for (size_t k = j.items.size(); k-- > 0;) head = new ListNode(From<int>::get(j.items[k]), head);
    return head;
  }
};

// ---- results -> canonical JSON ------------------------------------------------------------
inline void dump(std::string& out, const std::string& v) {
  out += '"';
  for (unsigned char c : v) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (c < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", c);
      out += buffer;
    } else out += static_cast<char>(c);
  }
  out += '"';
}
inline void dump(std::string& out, const char* v) { dump(out, std::string(v)); }
inline void dump(std::string& out, char v) { dump(out, std::string(1, v)); }
inline void dump(std::string& out, bool v) { out += v ? "true" : "false"; }
template <class T>
typename std::enable_if<std::is_integral<T>::value>::type dump(std::string& out, T v) {
  out += std::to_string(v);
}
template <class T>
typename std::enable_if<std::is_floating_point<T>::value>::type dump(std::string& out, T v) {
  if (std::isnan(v)) {
    out += "\"nan\"";
    return;
  }
  if (std::isinf(v)) {
    out += v > 0 ? "\"inf\"" : "\"-inf\"";
    return;
  }
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", static_cast<double>(v));
  out += buffer;
}
inline void dump(std::string& out, TreeNode* root) {
  std::vector<TreeNode*> queue{root};
  std::vector<std::string> items;
  for (size_t q = 0; q < queue.size() && root; q++) {
    if (queue.size() > 2000000) throw std::runtime_error("codeq: tree too large (a cycle?)");
    if (!queue[q]) {
      items.push_back("null");
      continue;
    }
    std::string item;
    dump(item, queue[q]->val);
    items.push_back(item);
    queue.push_back(queue[q]->left);
    queue.push_back(queue[q]->right);
  }
  while (!items.empty() && items.back() == "null") items.pop_back();
  out += '[';
  for (size_t k = 0; k < items.size(); k++) out += (k ? "," : "") + items[k];
  out += ']';
}
inline void dump(std::string& out, ListNode* head) {
  out += '[';
  size_t count = 0;
  for (ListNode* node = head; node; node = node->next) {
    if (++count > 2000000) throw std::runtime_error("codeq: linked list too long (a cycle?)");
    if (count > 1) out += ',';
    dump(out, node->val);
  }
  out += ']';
}
template <class A, class B>
void dump(std::string& out, const std::pair<A, B>& v);
template <class T>
void dump(std::string& out, const std::vector<T>& v) {
  out += '[';
  for (size_t k = 0; k < v.size(); k++) {
    if (k) out += ',';
    if constexpr (std::is_same<T, bool>::value) dump(out, static_cast<bool>(v[k]));
    else dump(out, v[k]);
  }
  out += ']';
}
template <class A, class B>
void dump(std::string& out, const std::pair<A, B>& v) {
  out += '[';
  dump(out, v.first);
  out += ',';
  dump(out, v.second);
  out += ']';
}

inline std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void emit(const std::string& nonce, size_t index, const std::string& result) {
  std::cout << "@@codeq " << nonce << ' ' << index << ' ' << result << '\n' << std::flush;
}

}  // namespace codeq
