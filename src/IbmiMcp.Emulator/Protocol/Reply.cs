using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using IbmiMcp.Emulator.Sql;

namespace IbmiMcp.Emulator.Protocol;

/// <summary>
/// A response whose keys keep insertion order, like the server's LinkedHashMap: setting an existing key replaces the
/// value in place (the prepare → execute merge relies on that). Nulls are written (Gson serializeNulls).
/// </summary>
internal sealed class Reply
{
    private readonly List<KeyValuePair<string, object?>> _fields = new(10);

    public Reply(string id) => Set("id", id);

    public Reply Set(string key, object? value)
    {
        for (int i = 0; i < _fields.Count; i++)
        {
            if (_fields[i].Key == key)
            {
                _fields[i] = new(key, value);
                return this;
            }
        }
        _fields.Add(new(key, value));
        return this;
    }

    public object? Get(string key)
    {
        foreach (var f in _fields) if (f.Key == key) return f.Value;
        return null;
    }

    public void Remove(string key) => _fields.RemoveAll(f => f.Key == key);

    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    /// <summary>Serializes as one frame payload: the JSON object followed by "\n\n" (server v2.3.1+).</summary>
    public void WriteTo(IBufferWriter<byte> buffer)
    {
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            foreach (var f in _fields)
            {
                w.WritePropertyName(f.Key);
                WriteValue(w, f.Value);
            }
            w.WriteEndObject();
        }
        buffer.Write("\n\n"u8);
    }

    internal static void WriteValue(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case string s: w.WriteStringValue(s); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case long l: w.WriteNumberValue(l); break;
            case double d: if (double.IsFinite(d)) w.WriteNumberValue(d); else w.WriteStringValue(d.ToString(System.Globalization.CultureInfo.InvariantCulture)); break;
            case decimal m: w.WriteNumberValue(m); break;
            case RawNumber r: w.WriteRawValue(r.Text, skipInputValidation: true); break;
            case IJsonValue j: j.Write(w); break;
            case System.Collections.IEnumerable e:
                w.WriteStartArray();
                foreach (var x in e) WriteValue(w, x);
                w.WriteEndArray();
                break;
            default: w.WriteStringValue(v.ToString()); break;
        }
    }
}

/// <summary>A composite value that writes itself (metadata, data blocks).</summary>
internal interface IJsonValue
{
    void Write(Utf8JsonWriter w);
}

/// <summary>metadata: {column_count, job, columns[...]}; full=false is the prepare-only shape (name, type, display_size, label).</summary>
internal sealed class MetadataValue(string job, IReadOnlyList<ColumnMeta>? columns, bool full, IReadOnlyList<ParameterMeta>? parameters) : IJsonValue
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        if (columns is not null)
        {
            w.WriteNumber("column_count", columns.Count);
            w.WriteString("job", job);
            w.WriteStartArray("columns");
            foreach (var c in columns)
            {
                w.WriteStartObject();
                w.WriteString("name", c.Name);
                w.WriteString("type", c.Type.Name);
                w.WriteNumber("display_size", c.Type.DisplaySize);
                w.WriteString("label", c.Label);
                if (full)
                {
                    w.WriteNumber("precision", c.Type.Precision);
                    w.WriteNumber("scale", c.Type.Scale);
                    w.WriteBoolean("autoIncrement", c.AutoIncrement);
                    w.WriteNumber("nullable", c.Nullable ? 1 : 0);
                    w.WriteBoolean("readOnly", c.ReadOnly);
                    w.WriteBoolean("writeable", !c.ReadOnly);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (parameters is not null)
        {
            w.WriteStartArray("parameters");
            foreach (var p in parameters)
            {
                w.WriteStartObject();
                w.WriteString("type", p.Type.Name);
                w.WriteString("mode", p.Mode);
                w.WriteNumber("precision", p.Type.Precision);
                w.WriteNumber("scale", p.Type.Scale);
                if (p.Name is null) w.WriteNull("name"); else w.WriteString("name", p.Name);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }
}

/// <summary>data: rows as objects keyed by column name (duplicates collapse, last wins) or, terse, as arrays.</summary>
internal sealed class DataValue(IReadOnlyList<ColumnMeta> columns, List<object?[]> rows, bool terse) : IJsonValue
{
    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartArray();
        if (terse)
        {
            foreach (var r in rows)
            {
                w.WriteStartArray();
                foreach (var v in r) Reply.WriteValue(w, v);
                w.WriteEndArray();
            }
        }
        else
        {
            // Collapse duplicate names the way a JSON object in Gson does: one key, last value wins.
            int n = columns.Count;
            var keep = new bool[n];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int i = n - 1; i >= 0; i--) keep[i] = seen.Add(columns[i].Name);
            var firstIndex = new Dictionary<string, int>(StringComparer.Ordinal);
            for (int i = 0; i < n; i++) firstIndex.TryAdd(columns[i].Name, i);
            foreach (var r in rows)
            {
                w.WriteStartObject();
                for (int i = 0; i < n; i++)
                {
                    var name = columns[i].Name;
                    if (firstIndex[name] != i) continue;
                    int last = i;
                    for (int k = n - 1; k > i; k--) if (columns[k].Name == name) { last = k; break; }
                    w.WritePropertyName(name);
                    Reply.WriteValue(w, last < r.Length ? r[last] : null);
                }
                w.WriteEndObject();
            }
            _ = keep;
        }
        w.WriteEndArray();
    }
}
