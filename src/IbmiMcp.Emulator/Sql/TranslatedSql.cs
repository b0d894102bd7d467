namespace IbmiMcp.Emulator.Sql;

/// <summary>SQLite text plus named arguments produced from one Db2 statement.</summary>
internal sealed class TranslatedSql
{
    public string Sql { get; set; } = "";
    public List<object?> Args { get; } = [];
    public List<string> ArgNames { get; } = [];
    public List<string> TempTables { get; } = [];

    /// <summary>Db2 types of the columns produced by table functions in this statement, by column name.</summary>
    public Dictionary<string, ColumnInfo> TableFunctionColumns { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> QuotedNames { get; } = new(StringComparer.Ordinal);
    public HashSet<string> Schemas { get; } = new(StringComparer.OrdinalIgnoreCase);
    public bool IsValues { get; set; }

    /// <summary>Db2 types of outer select-list expressions (null entries: unknown), see <see cref="SelectListTyper"/>.</summary>
    public List<ColumnInfo?>? SelectTypes { get; set; }

    /// <summary>Bare global variables such as JOB_NAME resolve only where no table column can shadow them.</summary>
    public bool IsValuesStatement(List<SqlToken> tokens, int from) => from < tokens.Count && tokens[0].IsWord("VALUES");
}
