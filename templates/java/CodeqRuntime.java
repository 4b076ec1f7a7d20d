// codeq test-driver runtime (Java): a small JSON reader for test inputs, conversions to the
// parameter types LeetCode uses, and one canonical JSON form for results. Appended to every
// driver after the candidate's code (package-private, so any class name of the candidate works).
final class CodeqJson {
  final char kind; // n(ull) b(ool) d(igits) s(tring) a(rray) o(bject)
  final String text;
  final java.util.List<CodeqJson> items;
  final java.util.Map<String, CodeqJson> fields;

  private CodeqJson(char kind, String text, java.util.List<CodeqJson> items, java.util.Map<String, CodeqJson> fields) {
    this.kind = kind;
    this.text = text;
    this.items = items;
    this.fields = fields;
  }

  CodeqJson get(String key) {
    CodeqJson value = fields.get(key);
    if (value == null) throw new IllegalStateException("codeq: missing key " + key);
    return value;
  }

  CodeqJson get(int index) {
    return items.get(index);
  }

  static CodeqJson parse(String text) {
    int[] at = {0};
    return value(text, at);
  }

  private static void space(String s, int[] at) {
    while (at[0] < s.length() && Character.isWhitespace(s.charAt(at[0]))) at[0]++;
  }

  private static CodeqJson value(String s, int[] at) {
    space(s, at);
    char c = s.charAt(at[0]);
    if (c == '[') {
      at[0]++;
      java.util.List<CodeqJson> items = new java.util.ArrayList<>();
      space(s, at);
      if (s.charAt(at[0]) == ']') {
        at[0]++;
        return new CodeqJson('a', null, items, null);
      }
      for (;;) {
        items.add(value(s, at));
        space(s, at);
        char d = s.charAt(at[0]++);
        if (d == ']') return new CodeqJson('a', null, items, null);
        if (d != ',') throw new IllegalStateException("codeq: bad test input at " + at[0]);
      }
    }
    if (c == '{') {
      at[0]++;
      java.util.Map<String, CodeqJson> fields = new java.util.HashMap<>();
      space(s, at);
      if (s.charAt(at[0]) == '}') {
        at[0]++;
        return new CodeqJson('o', null, null, fields);
      }
      for (;;) {
        space(s, at);
        String key = string(s, at);
        space(s, at);
        at[0]++; // ':'
        fields.put(key, value(s, at));
        space(s, at);
        char d = s.charAt(at[0]++);
        if (d == '}') return new CodeqJson('o', null, null, fields);
        if (d != ',') throw new IllegalStateException("codeq: bad test input at " + at[0]);
      }
    }
    if (c == '"') return new CodeqJson('s', string(s, at), null, null);
    if (s.startsWith("true", at[0])) {
      at[0] += 4;
      return new CodeqJson('b', "true", null, null);
    }
    if (s.startsWith("false", at[0])) {
      at[0] += 5;
      return new CodeqJson('b', "false", null, null);
    }
    if (s.startsWith("null", at[0])) {
      at[0] += 4;
      return new CodeqJson('n', null, null, null);
    }
    int start = at[0];
    while (at[0] < s.length() && "+-.eE0123456789".indexOf(s.charAt(at[0])) >= 0) at[0]++;
    if (start == at[0]) throw new IllegalStateException("codeq: bad test input at " + start);
    return new CodeqJson('d', s.substring(start, at[0]), null, null);
  }

  private static String string(String s, int[] at) {
    StringBuilder out = new StringBuilder();
    at[0]++;
    while (s.charAt(at[0]) != '"') {
      char c = s.charAt(at[0]++);
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = s.charAt(at[0]++);
      switch (e) {
        case 'n': out.append('\n'); break;
        case 't': out.append('\t'); break;
        case 'r': out.append('\r'); break;
        case 'b': out.append('\b'); break;
        case 'f': out.append('\f'); break;
        case 'u': out.append((char) Integer.parseInt(s.substring(at[0], at[0] + 4), 16)); at[0] += 4; break;
        default: out.append(e);
      }
    }
    at[0]++;
    return out.toString();
  }
}

final class CodeqIn {
  private CodeqIn() {}

  static boolean isNull(CodeqJson j) {
    return j.kind == 'n';
  }

  static int i(CodeqJson j) {
    if (j.kind == 's' && j.text.length() == 1) return j.text.charAt(0);
    return j.text.matches(".*[.eE].*") ? (int) Double.parseDouble(j.text) : (int) Long.parseLong(j.text);
  }

  static long l(CodeqJson j) {
    return j.text.matches(".*[.eE].*") ? (long) Double.parseDouble(j.text) : Long.parseLong(j.text);
  }

  static double d(CodeqJson j) {
    return Double.parseDouble(j.text);
  }

  static boolean z(CodeqJson j) {
    return j.kind == 'b' ? j.text.equals("true") : !j.text.equals("0");
  }

  static char c(CodeqJson j) {
    return j.kind == 's' ? (j.text.isEmpty() ? '\0' : j.text.charAt(0)) : (char) Integer.parseInt(j.text);
  }

  static String s(CodeqJson j) {
    return j.kind == 'n' ? null : j.text;
  }

  static int[] ints(CodeqJson j) {
    int[] out = new int[j.items.size()];
    for (int k = 0; k < out.length; k++) out[k] = i(j.items.get(k));
    return out;
  }

  static long[] longs(CodeqJson j) {
    long[] out = new long[j.items.size()];
    for (int k = 0; k < out.length; k++) out[k] = l(j.items.get(k));
    return out;
  }

  static double[] doubles(CodeqJson j) {
    double[] out = new double[j.items.size()];
    for (int k = 0; k < out.length; k++) out[k] = d(j.items.get(k));
    return out;
  }

  static boolean[] booleans(CodeqJson j) {
    boolean[] out = new boolean[j.items.size()];
    for (int k = 0; k < out.length; k++) out[k] = z(j.items.get(k));
    return out;
  }

  static char[] chars(CodeqJson j) {
    if (j.kind == 's') return j.text.toCharArray();
    char[] out = new char[j.items.size()];
    for (int k = 0; k < out.length; k++) out[k] = c(j.items.get(k));
    return out;
  }

  static <T> T[] array(CodeqJson j, java.util.function.IntFunction<T[]> make, java.util.function.Function<CodeqJson, T> each) {
    T[] out = make.apply(j.items.size());
    for (int k = 0; k < out.length; k++) out[k] = each.apply(j.items.get(k));
    return out;
  }

  static <T> java.util.ArrayList<T> list(CodeqJson j, java.util.function.Function<CodeqJson, T> each) {
    java.util.ArrayList<T> out = new java.util.ArrayList<>();
    for (CodeqJson item : j.items) out.add(each.apply(item));
    return out;
  }

  static TreeNode tree(CodeqJson j) {
    if (j.kind != 'a' || j.items.isEmpty() || isNull(j.items.get(0))) return null;
    TreeNode root = new TreeNode(i(j.items.get(0)));
    java.util.List<TreeNode> queue = new java.util.ArrayList<>();
    queue.add(root);
    int next = 1;
    for (int q = 0; q < queue.size() && next < j.items.size(); q++) {
      for (int side = 0; side < 2 && next < j.items.size(); side++, next++) {
        if (isNull(j.items.get(next))) continue;
        TreeNode child = new TreeNode(i(j.items.get(next)));
        if (side == 0) queue.get(q).left = child;
        else queue.get(q).right = child;
        queue.add(child);
      }
    }
    return root;
  }

  static ListNode linked(CodeqJson j) {
    ListNode head = null;
    for (int k = j.items.size() - 1; k >= 0; k--) {
      ListNode node = new ListNode(i(j.items.get(k)));
      node.next = head;
      head = node;
    }
    return head;
  }
}

final class CodeqOut {
  private CodeqOut() {}

  /** `nodesAsEmpty`: a null tree or list prints as [] (the declared result is a node type). */
  static String dump(Object value, boolean nodesAsEmpty) {
    StringBuilder out = new StringBuilder();
    write(out, value, nodesAsEmpty);
    return out.toString();
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int k = 0; k < s.length(); k++) {
      char c = s.charAt(k);
      if (c == '"') out.append("\\\"");
      else if (c == '\\') out.append("\\\\");
      else if (c == '\n') out.append("\\n");
      else if (c == '\t') out.append("\\t");
      else if (c == '\r') out.append("\\r");
      else if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
      else out.append(c);
    }
    out.append('"');
  }

  private static void number(StringBuilder out, double v) {
    if (Double.isNaN(v)) out.append("\"nan\"");
    else if (Double.isInfinite(v)) out.append(v > 0 ? "\"inf\"" : "\"-inf\"");
    else out.append(Double.toString(v));
  }

  private static void write(StringBuilder out, Object v, boolean nodesAsEmpty) {
    if (v == null) {
      out.append(nodesAsEmpty ? "[]" : "null");
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      out.append(v.toString());
    } else if (v instanceof Double || v instanceof Float) {
      number(out, ((Number) v).doubleValue());
    } else if (v instanceof Character) {
      string(out, v.toString());
    } else if (v instanceof CharSequence) {
      string(out, v.toString());
    } else if (v instanceof java.math.BigInteger || v instanceof java.math.BigDecimal) {
      out.append(v.toString());
    } else if (v instanceof TreeNode) {
      java.util.List<TreeNode> queue = new java.util.ArrayList<>();
      java.util.List<String> items = new java.util.ArrayList<>();
      queue.add((TreeNode) v);
      for (int q = 0; q < queue.size(); q++) {
        if (queue.size() > 2000000) throw new IllegalStateException("codeq: tree too large (a cycle?)");
        TreeNode node = queue.get(q);
        if (node == null) {
          items.add("null");
          continue;
        }
        items.add(Integer.toString(node.val));
        queue.add(node.left);
        queue.add(node.right);
      }
      while (!items.isEmpty() && items.get(items.size() - 1).equals("null")) items.remove(items.size() - 1);
      out.append('[').append(String.join(",", items)).append(']');
    } else if (v instanceof ListNode) {
      out.append('[');
      int count = 0;
      for (ListNode node = (ListNode) v; node != null; node = node.next) {
        if (++count > 2000000) throw new IllegalStateException("codeq: linked list too long (a cycle?)");
        if (count > 1) out.append(',');
        out.append(node.val);
      }
      out.append(']');
    } else if (v instanceof int[]) {
      int[] a = (int[]) v;
      out.append('[');
      for (int k = 0; k < a.length; k++) out.append(k > 0 ? "," : "").append(a[k]);
      out.append(']');
    } else if (v instanceof long[]) {
      long[] a = (long[]) v;
      out.append('[');
      for (int k = 0; k < a.length; k++) out.append(k > 0 ? "," : "").append(a[k]);
      out.append(']');
    } else if (v instanceof double[]) {
      double[] a = (double[]) v;
      out.append('[');
      for (int k = 0; k < a.length; k++) {
        if (k > 0) out.append(',');
        number(out, a[k]);
      }
      out.append(']');
    } else if (v instanceof boolean[]) {
      boolean[] a = (boolean[]) v;
      out.append('[');
      for (int k = 0; k < a.length; k++) out.append(k > 0 ? "," : "").append(a[k]);
      out.append(']');
    } else if (v instanceof char[]) {
      char[] a = (char[]) v;
      out.append('[');
      for (int k = 0; k < a.length; k++) {
        if (k > 0) out.append(',');
        string(out, String.valueOf(a[k]));
      }
      out.append(']');
    } else if (v instanceof Object[]) {
      Object[] a = (Object[]) v;
      out.append('[');
      for (int k = 0; k < a.length; k++) {
        if (k > 0) out.append(',');
        write(out, a[k], nodesAsEmpty);
      }
      out.append(']');
    } else if (v instanceof Iterable) {
      out.append('[');
      boolean first = true;
      for (Object item : (Iterable<?>) v) {
        if (!first) out.append(',');
        first = false;
        write(out, item, nodesAsEmpty);
      }
      out.append(']');
    } else {
      throw new IllegalStateException("codeq: cannot print a result of type " + v.getClass().getName());
    }
  }

  static void emit(String nonce, int index, String result) {
    System.out.println("@@codeq " + nonce + " " + index + " " + result);
    System.out.flush();
  }

  static String readFile(String path) throws java.io.IOException {
    return new String(java.nio.file.Files.readAllBytes(java.nio.file.Paths.get(path)), java.nio.charset.StandardCharsets.UTF_8);
  }
}
