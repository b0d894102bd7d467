using System.Text.Json;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Tools.BuiltIn;

/// <summary>An ISqlRunner that answers from a script and records what it was asked.</summary>
internal sealed class ScriptedSqlRunner(string user, Func<SqlCommand, SqlResult> script) : ISqlRunner
{
    public List<SqlCommand> Commands { get; } = [];
    public string User { get; } = user;

    public ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        Commands.Add(command);
        return ValueTask.FromResult(script(command));
    }

    public static SqlResult Result(string[] columns, params string[] rowsJson)
    {
        var rows = rowsJson.Select(r => JsonDocument.Parse(r).RootElement.Clone()).ToList();
        return new SqlResult(columns.Select(c => new SqlColumn(c, "VARCHAR", c, 10, 10, 0)).ToList(), rows, true, -1, false, "1/Q/J", TimeSpan.FromMilliseconds(1));
    }

    public static SqlResult Empty() => Result(["X"]);

    public static MapepireException SqlError(string message, string state, int code) => new(MapepireFailure.Sql, message, state, code);
}
