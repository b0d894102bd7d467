using System.Globalization;

namespace IbmiMcp.Emulator.Sql;

/// <summary>A Db2 for i column type with the sizes JTOpen reports (display size, precision, scale).</summary>
internal sealed record Db2Type(string Name, int Precision, int Scale, int DisplaySize)
{
    public static readonly Db2Type Integer = new("INTEGER", 10, 0, 11);
    public static readonly Db2Type SmallInt = new("SMALLINT", 5, 0, 6);
    public static readonly Db2Type BigInt = new("BIGINT", 19, 0, 20);
    public static readonly Db2Type Double = new("DOUBLE", 53, 0, 22);
    public static readonly Db2Type Date = new("DATE", 10, 0, 10);
    public static readonly Db2Type Time = new("TIME", 8, 0, 8);
    public static readonly Db2Type Timestamp = new("TIMESTAMP", 26, 6, 26);

    public static Db2Type VarChar(int n) => new("VARCHAR", n, 0, n);
    public static Db2Type Char(int n) => new("CHAR", n, 0, n);
    public static Db2Type Decimal(int p, int s) => new("DECIMAL", p, s, p + 2);

    public bool IsChar => Name is "CHAR" or "NCHAR" or "GRAPHIC";
    public bool IsDecimal => Name is "DECIMAL" or "NUMERIC";
    public bool IsInteger => Name is "INTEGER" or "SMALLINT" or "BIGINT";
    public bool IsFloat => Name is "DOUBLE" or "REAL" or "FLOAT" or "DECFLOAT";
    public bool IsString => Name is "CHAR" or "VARCHAR" or "CLOB" or "NCHAR" or "NVARCHAR" or "GRAPHIC" or "VARGRAPHIC" or "DBCLOB";

    /// <summary>Parses a declared type as written in CREATE TABLE (e.g. "DECIMAL(9, 2)", "VARCHAR(36) CCSID 37").</summary>
    public static Db2Type Parse(string? decl)
    {
        if (string.IsNullOrWhiteSpace(decl)) return VarChar(1024);
        string d = decl.Trim().ToUpperInvariant();
        string name = d;
        int a = -1, b = -1;
        int p = d.IndexOf('(');
        if (p >= 0)
        {
            name = d[..p].Trim();
            int q = d.IndexOf(')', p);
            string inner = q > p ? d[(p + 1)..q] : d[(p + 1)..];
            var parts = inner.Split(',');
            a = ParseLength(parts[0]);
            if (parts.Length > 1) int.TryParse(parts[1].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out b);
        }
        else
        {
            int sp = d.IndexOf(' ');
            if (sp > 0) name = d[..sp];
        }
        if (name.StartsWith("CHARACTER VARYING", StringComparison.Ordinal)) name = "VARCHAR";
        return name switch
        {
            "CHAR" or "CHARACTER" => Char(a < 0 ? 1 : a),
            "VARCHAR" => VarChar(a < 0 ? 1 : a),
            "NCHAR" => new("NCHAR", a < 0 ? 1 : a, 0, a < 0 ? 1 : a),
            "NVARCHAR" => new("NVARCHAR", a < 0 ? 1 : a, 0, a < 0 ? 1 : a),
            "GRAPHIC" => new("GRAPHIC", a < 0 ? 1 : a, 0, a < 0 ? 1 : a),
            "VARGRAPHIC" => new("VARGRAPHIC", a < 0 ? 1 : a, 0, a < 0 ? 1 : a),
            "CLOB" => new("CLOB", a < 0 ? 1048576 : a, 0, a < 0 ? 1048576 : a),
            "DBCLOB" => new("DBCLOB", a < 0 ? 1048576 : a, 0, a < 0 ? 1048576 : a),
            "BLOB" => new("BLOB", a < 0 ? 1048576 : a, 0, a < 0 ? 1048576 : a),
            "BINARY" => new("BINARY", a < 0 ? 1 : a, 0, a < 0 ? 1 : a),
            "VARBINARY" => new("VARBINARY", a < 0 ? 1 : a, 0, a < 0 ? 1 : a),
            "INTEGER" or "INT" => Integer,
            "SMALLINT" => SmallInt,
            "BIGINT" => BigInt,
            "DECIMAL" or "DEC" => Decimal(a < 0 ? 5 : a, b < 0 ? 0 : b),
            "NUMERIC" => new("NUMERIC", a < 0 ? 5 : a, b < 0 ? 0 : b, (a < 0 ? 5 : a) + 2),
            "REAL" => new("REAL", 24, 0, 13),
            "DOUBLE" or "FLOAT" or "DOUBLE PRECISION" => Double,
            "DECFLOAT" => new("DECFLOAT", a == 16 ? 16 : 34, 0, a == 16 ? 23 : 42),
            "DATE" => Date,
            "TIME" => Time,
            "TIMESTAMP" => Timestamp,
            "BOOLEAN" => new("BOOLEAN", 1, 0, 1),
            "TEXT" => VarChar(1024),
            _ => VarChar(1024),
        };
    }

    private static int ParseLength(string s)
    {
        s = s.Trim();
        int mult = 1;
        if (s.EndsWith('K')) { mult = 1024; s = s[..^1]; }
        else if (s.EndsWith('M')) { mult = 1024 * 1024; s = s[..^1]; }
        else if (s.EndsWith('G')) { mult = 1024 * 1024 * 1024; s = s[..^1]; }
        return int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? (int)Math.Min((long)n * mult, int.MaxValue) : -1;
    }

    /// <summary>The type text as it appears in catalog DATA_TYPE columns and generated DDL.</summary>
    public string Ddl => Name switch
    {
        "CHAR" or "VARCHAR" or "NCHAR" or "NVARCHAR" or "GRAPHIC" or "VARGRAPHIC" or "BINARY" or "VARBINARY" or "CLOB" or "BLOB" or "DBCLOB" => $"{Name}({Precision})",
        "DECIMAL" or "NUMERIC" => $"{Name}({Precision}, {Scale})",
        _ => Name,
    };

    /// <summary>Length as SYSCOLUMNS reports it (bytes for strings, digits for decimals, storage for binary numbers).</summary>
    public int CatalogLength => Name switch
    {
        "SMALLINT" => 2,
        "INTEGER" => 4,
        "BIGINT" => 8,
        "REAL" => 4,
        "DOUBLE" => 8,
        "DATE" => 4,
        "TIME" => 3,
        "TIMESTAMP" => 10,
        _ => Precision,
    };
}
