using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tools;

/// <summary>
/// One parameter's value after validation and coercion: a scalar bind value, or the items of an array
/// parameter. Booleans keep their truth value for reporting and bind as 1/0.
/// </summary>
internal readonly struct ArgumentValue
{
    private ArgumentValue(ToolParameterType type, SqlValue scalar, SqlValue[]? items, bool boolean, bool present)
    {
        Type = type; Scalar = scalar; Items = items; Boolean = boolean; IsPresent = present;
    }

    public ToolParameterType Type { get; }
    public SqlValue Scalar { get; }
    /// <summary>Set for array parameters; each item binds one `?`.</summary>
    public SqlValue[]? Items { get; }
    public bool Boolean { get; }
    /// <summary>False for the empty string bound for a missing optional parameter (reference behaviour).</summary>
    public bool IsPresent { get; }

    public static ArgumentValue String(string value) => new(ToolParameterType.String, SqlValue.From(value), null, false, true);
    public static ArgumentValue Integer(long value) => new(ToolParameterType.Integer, SqlValue.From(value), null, false, true);
    public static ArgumentValue Float(double value) => new(ToolParameterType.Float, SqlValue.From(value), null, false, true);
    public static ArgumentValue Bool(bool value) => new(ToolParameterType.Boolean, SqlValue.From(value), null, value, true);
    public static ArgumentValue Array(SqlValue[] items) => new(ToolParameterType.Array, default, items, false, true);
    /// <summary>The reference binds a missing optional parameter without default as an empty string, not NULL.</summary>
    public static ArgumentValue Missing(ToolParameterType type) => new(type, SqlValue.From(""), null, false, false);

    /// <summary>Number of `?` markers this value occupies.</summary>
    public int MarkerCount => Items is { Length: > 0 } items ? items.Length : 1;

    public void WriteTo(Utf8JsonWriter writer)
    {
        if (Items is { } items)
        {
            writer.WriteStartArray();
            foreach (var item in items) item.WriteTo(writer);
            writer.WriteEndArray();
        }
        else if (Type == ToolParameterType.Boolean && IsPresent) writer.WriteBooleanValue(Boolean);
        else Scalar.WriteTo(writer);
    }

    /// <summary>Text for the markdown parameter list.</summary>
    public string Display()
    {
        if (Items is { } items) return "[" + string.Join(", ", items.Select(i => i.ToString())) + "]";
        if (Type == ToolParameterType.Boolean && IsPresent) return Boolean ? "true" : "false";
        return Scalar.ToString();
    }
}
