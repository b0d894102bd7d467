using System.Text.Json;
using IbmiMcp.Cli.Ibmi.Output;

namespace IbmiMcp.Cli.Ibmi.Verbs;

/// <summary>
/// <c>render</c>: an MCP answer on stdin (a JSON-RPC response, as JSON or as the SSE body <c>/mcp</c> sends) shown as a
/// person reads it, in any output format: <c>tools/list</c> as a table of tools, a <c>tools/call</c> result as a table of
/// its rows (with the note on what was left out), prompts as a table, an error as one line (exit 3). For trying the
/// server from a shell: <c>curl … /mcp | ibmi-mcp render</c>; <c>./demo.sh</c> uses it.
/// </summary>
internal static class RenderVerb
{
    public static int Run(CliContext ctx, CliOutput output)
    {
        var text = ctx.Stdin.ReadToEnd();
        // SSE: the JSON-RPC message is the data line that is not empty (priming events carry no data).
        var json = text.TrimStart().StartsWith('{') ? text
            : text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.StartsWith("data:", StringComparison.Ordinal))
                .Select(l => l[5..].Trim()).LastOrDefault(l => l.Length > 0)
              ?? throw CliException.Usage("render reads an MCP answer on stdin: JSON, or the SSE body of /mcp");
        JsonDocument document;
        try { document = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw CliException.Usage($"render: stdin is not JSON: {ex.Message}"); }
        using (document)
        {
            var root = document.RootElement;
            if (root.TryGetProperty("error", out var error))
                throw new CliException(ExitCodes.Sql, "MCP_ERROR", $"{(error.TryGetProperty("message", out var m) ? m.GetString() : error.GetRawText())} (JSON-RPC {(error.TryGetProperty("code", out var c) ? c.GetRawText() : "?")})");
            var result = root.TryGetProperty("result", out var r) ? r : root;
            var table = Table(result);
            output.Write(table);
            return result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True ? ExitCodes.Sql : ExitCodes.Success;
        }
    }

    private static CliTable Table(JsonElement result)
    {
        if (result.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array)
            return List("tools/list", tools, "NAME", "name", "TITLE", "title", "DESCRIPTION", "description");
        if (result.TryGetProperty("prompts", out var prompts) && prompts.ValueKind == JsonValueKind.Array)
            return List("prompts/list", prompts, "NAME", "name", "TITLE", "title", "DESCRIPTION", "description");
        if (result.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array)
            return List("resources/list", resources, "URI", "uri", "NAME", "name", "DESCRIPTION", "description");

        var table = new CliTable { Command = "tools/call" };
        var structured = result.TryGetProperty("structuredContent", out var s) ? s : default;
        var data = structured.ValueKind == JsonValueKind.Object && structured.TryGetProperty("data", out var d) && d.ValueKind == JsonValueKind.Array ? d : default;
        if (data.ValueKind == JsonValueKind.Array && data.GetArrayLength() > 0)
        {
            foreach (var property in data[0].EnumerateObject())
                table.AddColumn(property.Name, property.Value.ValueKind == JsonValueKind.Number);
            foreach (var row in data.EnumerateArray())
            {
                var cells = new JsonElement[table.Columns.Count];
                for (var i = 0; i < cells.Length; i++)
                    if (row.TryGetProperty(table.Columns[i], out var cell))
                        cells[i] = cell.Clone();
                table.Rows.Add(cells);
            }
            // The note a model reads when rows were left out (top level for built-ins, metadata for YAML tools).
            var meta = structured.TryGetProperty("metadata", out var md) && md.ValueKind == JsonValueKind.Object ? md : structured;
            table.HasMore = (meta.TryGetProperty("hasMore", out var more) || meta.TryGetProperty("truncated", out more)) && more.ValueKind == JsonValueKind.True;
            if (meta.TryGetProperty("message", out var note) && note.ValueKind == JsonValueKind.String)
                table.Note = note.GetString();
            return table;
        }
        // No rows: the text content (DDL, a message, an error text).
        table.AddColumn("TEXT");
        var text = result.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.Array
            ? string.Join("\n", content.EnumerateArray().Where(c => c.TryGetProperty("text", out _)).Select(c => c.GetProperty("text").GetString()))
            : result.GetRawText();
        table.AddRow(text);
        table.Text = text;
        return table;
    }

    private static CliTable List(string command, JsonElement items, params string[] columnsAndKeys)
    {
        var table = new CliTable { Command = command };
        for (var i = 0; i < columnsAndKeys.Length; i += 2)
            table.AddColumn(columnsAndKeys[i]);
        foreach (var item in items.EnumerateArray())
        {
            var cells = new string?[table.Columns.Count];
            for (var i = 0; i < cells.Length; i++)
                cells[i] = item.TryGetProperty(columnsAndKeys[i * 2 + 1], out var v) && v.ValueKind == JsonValueKind.String
                    ? Tools.TextTable.Clip(v.GetString()!, 100) : null;
            table.AddRow(cells);
        }
        return table;
    }
}
