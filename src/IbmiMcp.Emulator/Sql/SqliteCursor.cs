using System.Globalization;
using Microsoft.Data.Sqlite;

namespace IbmiMcp.Emulator.Sql;

/// <summary>A live SQLite reader turned into Db2-typed rows. The first row is read at open to type expression columns.</summary>
internal sealed class SqliteCursor : ResultCursor
{
    private readonly SqliteCommand _command;
    private readonly SqliteDataReader _reader;
    private readonly Action? _onClose;
    private readonly Db2Job _job;
    private readonly ColumnMeta[] _columns;
    private bool _hasPeek;
    private bool _disposed;

    public SqliteCursor(Db2Job job, SqliteCommand command, SqliteDataReader reader, ColumnSource[] sources, Action? onClose)
    {
        _job = job;
        _command = command;
        _reader = reader;
        _onClose = onClose;
        _hasPeek = reader.Read();
        _columns = new ColumnMeta[reader.FieldCount];
        for (int i = 0; i < _columns.Length; i++)
        {
            var src = sources[i];
            Db2Type type;
            bool nullable = true;
            if (src.Column is not null)
            {
                type = src.Column.Type;
                nullable = src.Column.Nullable;
            }
            else
            {
                type = Infer(_hasPeek ? reader.GetValue(i) : null);
            }
            _columns[i] = new ColumnMeta(src.Name, type, src.Name, nullable, ReadOnly: src.Column is null || src.Column.Ordinal == 0);
        }
    }

    private static Db2Type Infer(object? v) => v switch
    {
        long l when l is >= int.MinValue and <= int.MaxValue => Db2Type.Integer,
        long => Db2Type.BigInt,
        double => Db2Type.Double,
        string s => Db2Type.VarChar(Math.Max(s.Length, 1)),
        byte[] b => new Db2Type("VARBINARY", Math.Max(b.Length, 1), 0, Math.Max(b.Length, 1)),
        _ => Db2Type.VarChar(1),
    };

    public override IReadOnlyList<ColumnMeta> Columns => _columns;

    protected override bool TryRead(out object?[] row)
    {
        if (_disposed || !(_hasPeek || _reader.Read()))
        {
            row = [];
            return false;
        }
        _hasPeek = false;
        row = new object?[_columns.Length];
        for (int i = 0; i < row.Length; i++) row[i] = Convert(_reader.GetValue(i), _columns[i].Type, _job);
        return true;
    }

    internal static object? Convert(object v, Db2Type t, Db2Job job)
    {
        if (v is DBNull) return null;
        switch (t.Name)
        {
            case "CHAR" or "NCHAR" or "GRAPHIC":
                return v is string cs ? cs.TrimEnd(' ') : ToText(v);
            case "VARCHAR" or "CLOB" or "NVARCHAR" or "VARGRAPHIC" or "DBCLOB":
                return v is string s ? s : v is byte[] b ? System.Convert.ToHexString(b) : ToText(v);
            case "INTEGER" or "SMALLINT" or "BIGINT":
                return v switch
                {
                    long l => l,
                    double d => (long)d,
                    string str when long.TryParse(str, NumberStyles.Integer, CultureInfo.InvariantCulture, out var pl) => pl,
                    _ => ToText(v),
                };
            case "DECIMAL" or "NUMERIC":
                {
                    decimal dv;
                    switch (v)
                    {
                        case long l: dv = l; break;
                        case double d when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < 7.9e27: dv = (decimal)d; break;
                        case string str when decimal.TryParse(str, NumberStyles.Float, CultureInfo.InvariantCulture, out var pd): dv = pd; break;
                        default: return ToText(v);
                    }
                    return new RawNumber(Math.Round(dv, t.Scale, MidpointRounding.ToZero).ToString("F" + t.Scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
                }
            case "DOUBLE" or "REAL" or "FLOAT" or "DECFLOAT":
                return v switch
                {
                    double d => d,
                    long l => (double)l,
                    string str when double.TryParse(str, NumberStyles.Float, CultureInfo.InvariantCulture, out var pd) => pd,
                    _ => ToText(v),
                };
            case "DATE":
                return job.FormatDate(ToText(v));
            case "TIME":
                return job.FormatTime(ToText(v));
            case "TIMESTAMP":
                return Db2Job.NormalizeTimestamp(ToText(v));
            case "BINARY" or "VARBINARY" or "BLOB":
                return v is byte[] bb ? System.Convert.ToHexString(bb) : ToText(v);
            case "BOOLEAN":
                return v is long bl ? bl != 0 : v;
            default:
                return v is byte[] ob ? System.Convert.ToHexString(ob) : v;
        }
    }

    private static string ToText(object v) => v switch
    {
        string s => s,
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => System.Convert.ToHexString(b),
        _ => System.Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    public override void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _reader.Dispose();
        _command.Dispose();
        _onClose?.Invoke();
    }
}

/// <summary>Where a result column comes from: its Db2 name and, for plain column references, the catalog column.</summary>
internal readonly record struct ColumnSource(string Name, ColumnInfo? Column);
