using System.Text.Json;

namespace IbmiMcp.Mapepire;

/// <summary>One bind value for a `?` marker, written into the Mapepire `parameters` array.</summary>
public readonly struct SqlValue
{
    public enum ValueKind : byte { Null, String, Integer, Number }

    private readonly string? _string;
    private readonly long _integer;
    private readonly double _number;

    private SqlValue(ValueKind kind, string? s, long i, double d) { Kind = kind; _string = s; _integer = i; _number = d; }

    public ValueKind Kind { get; }
    public static SqlValue Null => default;
    public static SqlValue From(string value) => new(ValueKind.String, value, 0, 0);
    public static SqlValue From(long value) => new(ValueKind.Integer, null, value, 0);
    public static SqlValue From(double value) => new(ValueKind.Number, null, 0, value);
    /// <summary>Booleans bind as 1/0, as the reference server does.</summary>
    public static SqlValue From(bool value) => From(value ? 1L : 0L);

    public string? AsString => _string;
    public long AsInteger => _integer;
    public double AsNumber => _number;

    public void WriteTo(Utf8JsonWriter writer)
    {
        switch (Kind)
        {
            case ValueKind.String: writer.WriteStringValue(_string); break;
            case ValueKind.Integer: writer.WriteNumberValue(_integer); break;
            case ValueKind.Number: writer.WriteNumberValue(_number); break;
            default: writer.WriteNullValue(); break;
        }
    }

    public override string ToString() => Kind switch
    {
        ValueKind.String => _string!,
        ValueKind.Integer => _integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ValueKind.Number => _number.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "NULL",
    };
}
