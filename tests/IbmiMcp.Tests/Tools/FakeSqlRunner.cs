using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Tools;

/// <summary>
/// In-process ISqlRunner for unit tests: records every command and answers with a canned result (columns plus
/// rows given as JSON arrays) or throws the configured MapepireException.
/// </summary>
internal sealed class FakeSqlRunner : ISqlRunner
{
    private readonly Func<SqlCommand, SqlResult> _respond;

    public FakeSqlRunner(Func<SqlCommand, SqlResult> respond) => _respond = respond;

    public FakeSqlRunner(IReadOnlyList<SqlColumn> columns, string rowsJson, bool truncated = false)
        : this(_ => Result(columns, rowsJson, truncated)) { }

    public List<SqlCommand> Commands { get; } = [];
    public string User => "MCPUSER";

    public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        Commands.Add(command);
        return ValueTask.FromResult(_respond(command));
    }

    public static FakeSqlRunner Failing(MapepireException error) => new(_ => throw error);

    public static SqlColumn Column(string name, string type = "VARCHAR") => new(name, type, name, 10, 10, 0);

    public static SqlResult Result(IReadOnlyList<SqlColumn> columns, string rowsJson, bool truncated = false)
    {
        var doc = JsonDocument.Parse(rowsJson);
        var rows = doc.RootElement.EnumerateArray().ToList();
        return new SqlResult(columns, rows, hasResults: true, updateCount: -1, truncated, job: "123456/QUSER/QZDASOINIT",
            TimeSpan.FromMilliseconds(3), [doc]);
    }
}
