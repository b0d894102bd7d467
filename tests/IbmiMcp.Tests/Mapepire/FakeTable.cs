using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace IbmiMcp.Tests.Mapepire;

/// <summary>
/// Answers sql / prepare_sql_execute / sqlmore / sqlclose for a table of <see cref="RowCount"/> rows (ID, NAME) with
/// the reference paging rule: is_done only when the cursor ran out inside the block (spec §6).
/// </summary>
internal sealed class FakeTable(int rowCount)
{
    private readonly ConcurrentDictionary<string, int> _cursors = new();
    public int RowCount { get; } = rowCount;
    public ConcurrentQueue<string> Types { get; } = new();
    public int OpenCursors => _cursors.Count;

    public string? Reply(JsonElement request)
    {
        var id = request.GetProperty("id").GetString()!;
        var type = request.GetProperty("type").GetString()!;
        Types.Enqueue(type);
        switch (type)
        {
            case "sql":
            case "prepare_sql_execute":
            {
                var sql = request.GetProperty("sql").GetString()!;
                if (sql.StartsWith("CALL SYSPROC.WLM_SET_CLIENT_INFO", StringComparison.Ordinal))
                    return $$"""{"id":"{{id}}","parameter_count":3,"metadata":{"parameters":[]},"data":[],"has_results":false,"update_count":0,"output_parms":[],"is_done":true,"success":true,"execution_time":0}""";
                if (sql.StartsWith("UPDATE", StringComparison.OrdinalIgnoreCase))
                    return $$"""{"id":"{{id}}","has_results":false,"update_count":3,"success":true,"execution_time":1}""";
                if (sql.Contains("scooby", StringComparison.OrdinalIgnoreCase))
                    return $$"""{"id":"{{id}}","error":"[SQL0204] SCOOBY in LIAMA type *FILE not found.","success":false,"sql_state":"42704","sql_rc":-204,"execution_time":2}""";
                var rows = request.GetProperty("rows").GetInt32();
                var (data, done, next) = Block(0, rows);
                if (!done) _cursors[id] = next;
                return $$"""{"id":"{{id}}","has_results":true,"update_count":-1,"metadata":{"column_count":2,"job":"123456/QUSER/QZDASOINIT","columns":[{"name":"ID","type":"INTEGER","display_size":11,"label":"ID","precision":10,"scale":0},{"name":"NAME","type":"VARCHAR","display_size":20,"label":"NAME","precision":20,"scale":0}]},"data":{{data}},"is_done":{{(done ? "true" : "false")}},"success":true,"execution_time":1}""";
            }
            case "sqlmore":
            {
                var cont = request.GetProperty("cont_id").GetString()!;
                if (!_cursors.TryGetValue(cont, out var offset))
                    return $$"""{"id":"{{id}}","error":"Bad request: invalid correlation ID","success":false,"execution_time":0}""";
                var (data, done, next) = Block(offset, request.GetProperty("rows").GetInt32());
                if (done) _cursors.TryRemove(cont, out _); else _cursors[cont] = next;
                return $$"""{"id":"{{id}}","data":{{data}},"is_done":{{(done ? "true" : "false")}},"success":true,"execution_time":0}""";
            }
            case "sqlclose":
                _cursors.TryRemove(request.GetProperty("cont_id").GetString()!, out _);
                return $$"""{"id":"{{id}}","success":true,"execution_time":0}""";
            case "ping":
                return $$"""{"id":"{{id}}","alive":true,"db_alive":true,"success":true,"execution_time":0}""";
            case "getversion":
                return $$"""{"id":"{{id}}","build_date":"2025-06-01 23:59:11 (GMT)","version":"2.3.3","success":true,"execution_time":0}""";
            default:
                return $$"""{"id":"{{id}}","error":"Unknown request type: {{type}}","success":false,"execution_time":0}""";
        }
    }

    private (string Data, bool Done, int Next) Block(int offset, int rows)
    {
        var sb = new StringBuilder("[");
        var i = offset;
        var done = false;
        for (var n = 0; n < rows; n++)
        {
            if (i >= RowCount) { done = true; break; }
            if (sb.Length > 1) sb.Append(',');
            sb.Append('[').Append(i + 1).Append(",\"name ").Append(i + 1).Append("\"]");
            i++;
        }
        return (sb.Append(']').ToString(), done, i);
    }
}
