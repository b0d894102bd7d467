using System.Collections;
using System.Globalization;
using System.Text;

namespace IbmiMcp.Mapepire;

/// <summary>
/// JTOpen JDBC properties sent as the <c>connect</c> <c>props</c> string (spec §3.1): <c>k=v;k=v</c>, list values
/// (<c>libraries</c>) joined with commas. Keys are matched case-insensitively; insertion order is kept.
/// </summary>
public sealed class JdbcOptions
{
    private readonly List<KeyValuePair<string, IReadOnlyList<string>>> _items = [];

    public static JdbcOptions Empty => new();

    public int Count => _items.Count;
    public IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Items => _items;

    /// <summary>
    /// Parses DB2i_JDBC_OPTIONS text (upstream §4.2): pairs split on ';', the first '=' splits key and value, both
    /// trimmed, empty segments ignored, <c>libraries</c> comma-split. A segment without '=' or with an empty key
    /// throws a <see cref="FormatException"/> naming it.
    /// </summary>
    public static JdbcOptions Parse(string? text)
    {
        var options = new JdbcOptions();
        if (string.IsNullOrWhiteSpace(text)) return options;
        foreach (var rawSegment in text.Split(';'))
        {
            var segment = rawSegment.Trim();
            if (segment.Length == 0) continue;
            var eq = segment.IndexOf('=');
            if (eq <= 0 || segment[..eq].Trim().Length == 0)
                throw new FormatException($"Invalid DB2i_JDBC_OPTIONS: malformed pair \"{segment}\" — expected key=value");
            options.Set(segment[..eq].Trim(), segment[(eq + 1)..].Trim());
        }
        return options;
    }

    /// <summary>From already-split pairs (ServerOptions.Db2iJdbcOptions).</summary>
    public static JdbcOptions From(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var options = new JdbcOptions();
        foreach (var (key, value) in pairs) options.Set(key, value);
        return options;
    }

    /// <summary>
    /// From a YAML <c>jdbc-options</c> map: strings, numbers and booleans become text; sequences become lists
    /// (so <c>libraries: [A, B]</c> and <c>libraries: "A,B"</c> are the same).
    /// </summary>
    public static JdbcOptions FromMap(IEnumerable<KeyValuePair<string, object?>> map)
    {
        var options = new JdbcOptions();
        foreach (var (key, value) in map)
        {
            switch (value)
            {
                case null: break;
                case string s: options.Set(key, s); break;
                case bool b: options.Set(key, b ? "true" : "false"); break;
                case IFormattable f: options.Set(key, f.ToString(null, CultureInfo.InvariantCulture)); break;
                case IEnumerable list:
                    var values = new List<string>();
                    foreach (var item in list)
                        if (item is not null) values.Add(Convert.ToString(item, CultureInfo.InvariantCulture)!.Trim());
                    options.Set(key, values);
                    break;
                default: options.Set(key, value.ToString() ?? ""); break;
            }
        }
        return options;
    }

    /// <summary>Sets a value; <c>libraries</c> is split on commas.</summary>
    public void Set(string key, string value)
    {
        key = key.Trim();
        if (key.Equals("libraries", StringComparison.OrdinalIgnoreCase))
        {
            var parts = new List<string>();
            foreach (var p in value.Split(','))
                if (p.Trim() is { Length: > 0 } t) parts.Add(t);
            Set(key, parts);
            return;
        }
        Set(key, [value.Trim()]);
    }

    public void Set(string key, IReadOnlyList<string> values)
    {
        key = key.Trim();
        ArgumentException.ThrowIfNullOrEmpty(key);
        for (var i = 0; i < _items.Count; i++)
            if (_items[i].Key.Equals(key, StringComparison.OrdinalIgnoreCase))
            {
                _items[i] = new(_items[i].Key, values);
                return;
            }
        _items.Add(new(key, values));
    }

    public bool TryGet(string key, out IReadOnlyList<string> values)
    {
        foreach (var item in _items)
            if (item.Key.Equals(key, StringComparison.OrdinalIgnoreCase)) { values = item.Value; return true; }
        values = [];
        return false;
    }

    /// <summary>A new set: these options, then <paramref name="overrides"/> replacing per key (env wins over YAML).</summary>
    public JdbcOptions MergedWith(JdbcOptions? overrides)
    {
        var merged = new JdbcOptions();
        foreach (var (k, v) in _items) merged.Set(k, v);
        if (overrides is not null) foreach (var (k, v) in overrides._items) merged.Set(k, v);
        return merged;
    }

    /// <summary>The <c>props</c> string: <c>naming=system;libraries=A,B</c>.</summary>
    public string ToPropsString()
    {
        if (_items.Count == 0) return "";
        var sb = new StringBuilder();
        foreach (var (key, values) in _items)
        {
            if (sb.Length > 0) sb.Append(';');
            sb.Append(key).Append('=').AppendJoin(',', values);
        }
        return sb.ToString();
    }

    public override string ToString() => ToPropsString();
}
