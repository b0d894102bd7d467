using System.Globalization;
using System.Text;
using System.Text.Json;
using IbmiMcp.Tools;

namespace IbmiMcp.Cli.Ibmi.Output;

internal enum CliFormat { Table, Json, Csv, Markdown, NdJson }

/// <summary>
/// Where and how a command writes its result. The format is <c>--raw</c> (json), else <c>--stream</c> (NDJSON), else
/// <c>--format</c>, else the config's <c>format</c>, else a table on a terminal and JSON when piped — the reference CLI's
/// order, so an agent piping the output gets JSON without asking. <c>--output FILE</c> writes to a file instead.
/// </summary>
internal sealed class CliOutput : IDisposable
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonWriterOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly object _gate = new();

    public CliOutput(CliFormat format, Stream stream, bool ownsStream, bool terminal, int width)
    {
        Format = format;
        _stream = stream;
        _ownsStream = ownsStream;
        Terminal = terminal;
        Width = width;
    }

    public CliFormat Format { get; }
    /// <summary>True when a person reads it (stdout is a terminal and not redirected to --output).</summary>
    public bool Terminal { get; }
    public int Width { get; }

    public static CliFormat Choose(CliArguments args, string? configured, bool terminal)
    {
        if (args.Flag("raw")) return CliFormat.Json;
        if (args.Flag("stream")) return CliFormat.NdJson;
        var name = args.Value("format") ?? configured;
        return name switch
        {
            null => terminal ? CliFormat.Table : CliFormat.Json,
            "table" => CliFormat.Table,
            "json" => CliFormat.Json,
            "csv" => CliFormat.Csv,
            "markdown" or "md" => CliFormat.Markdown,
            "ndjson" => CliFormat.NdJson,
            _ => throw CliException.Usage($"--format must be table, json, csv or markdown (got '{name}')"),
        };
    }

    public void Write(CliTable table)
    {
        switch (Format)
        {
            case CliFormat.Json: WriteJson(table); break;
            case CliFormat.Csv: WriteText(Csv(table)); break;
            case CliFormat.Markdown: WriteText(table.Text ?? Table(table, TableFormat.Markdown) + Footer(table)); break;
            case CliFormat.NdJson: foreach (var row in table.Rows) WriteLine(table.Columns, row, null); break;
            default: WriteText(table.Text is { } text ? text + "\n" : Table(table, TableFormat.Grid) + Footer(table)); break;
        }
    }

    /// <summary>One NDJSON line for a streamed row (thread-safe: several systems stream at once).</summary>
    public void WriteLine(IReadOnlyList<string> columns, IReadOnlyList<JsonElement> cells, string? system)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(buffer, Compact))
        {
            w.WriteStartObject();
            if (system is not null) w.WriteString("SYSTEM", system);
            for (var i = 0; i < columns.Count && i < cells.Count; i++)
            {
                w.WritePropertyName(columns[i]);
                if (cells[i].ValueKind == JsonValueKind.Undefined) w.WriteNullValue();
                else cells[i].WriteTo(w);
            }
            w.WriteEndObject();
        }
        lock (_gate)
        {
            _stream.Write(buffer.WrittenSpan);
            _stream.WriteByte((byte)'\n');
            _stream.Flush();
        }
    }

    /// <summary>A failure: <c>{"ok":false,"error":{…}}</c> on the output in JSON formats, one line on stderr otherwise.</summary>
    public void WriteError(CliException error, TextWriter stderr)
    {
        if (Format is CliFormat.Json or CliFormat.NdJson)
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
            using (var w = new Utf8JsonWriter(buffer, Format == CliFormat.Json ? Indented : Compact))
            {
                w.WriteStartObject();
                w.WriteBoolean("ok", false);
                w.WriteStartObject("error");
                w.WriteString("code", error.Code);
                w.WriteString("message", error.Message);
                if (error.SqlState is not null) w.WriteString("sqlState", error.SqlState);
                if (error.SqlCode is int code) w.WriteNumber("sqlCode", code);
                w.WriteNumber("exitCode", error.ExitCode);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            lock (_gate)
            {
                _stream.Write(buffer.WrittenSpan);
                _stream.WriteByte((byte)'\n');
                _stream.Flush();
            }
        }
        stderr.WriteLine($"error: {error.Message}");
    }

    public void WriteText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        lock (_gate)
        {
            _stream.Write(bytes);
            _stream.Flush();
        }
    }

    private void WriteJson(CliTable table)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteBoolean("ok", table.Systems is null || table.Systems.All(s => s.Error is null));
            if (table.System is not null) w.WriteString("system", table.System);
            if (table.Host is not null) w.WriteString("host", table.Host);
            w.WriteString("command", table.Command);
            if (table.Text is not null) w.WriteString("text", table.Text);
            w.WriteStartArray("data");
            foreach (var row in table.Rows)
            {
                w.WriteStartObject();
                for (var i = 0; i < table.Columns.Count; i++)
                {
                    w.WritePropertyName(table.Columns[i]);
                    if (row[i].ValueKind == JsonValueKind.Undefined) w.WriteNullValue();
                    else row[i].WriteTo(w);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("meta");
            w.WriteNumber("rows", table.Rows.Count);
            w.WriteBoolean("hasMore", table.HasMore);
            if (table.AffectedRows is long affected) w.WriteNumber("affectedRows", affected);
            if (table.Note is not null) w.WriteString("message", table.Note);
            w.WriteNumber("elapsed_ms", Math.Round(table.ElapsedMs, 1));
            w.WriteEndObject();
            if (table.Systems is { } systems)
            {
                w.WriteStartArray("systems");
                foreach (var s in systems)
                {
                    w.WriteStartObject();
                    w.WriteString("name", s.Name);
                    w.WriteString("host", s.Host);
                    w.WriteNumber("rows", s.Rows);
                    w.WriteNumber("elapsed_ms", Math.Round(s.ElapsedMs, 1));
                    if (s.Error is null) w.WriteNull("error");
                    else w.WriteString("error", s.Error);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        lock (_gate)
        {
            _stream.Write(buffer.WrittenSpan);
            _stream.WriteByte((byte)'\n');
            _stream.Flush();
        }
    }

    private static string Csv(CliTable table)
    {
        if (table.Text is not null && table.Columns.Count == 0)
            return table.Text + "\n";
        var sb = new StringBuilder();
        for (var i = 0; i < table.Columns.Count; i++)
        {
            if (i > 0) sb.Append(',');
            CsvResultWriter.Field(sb, table.Columns[i]);
        }
        sb.Append('\n');
        foreach (var row in table.Rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) sb.Append(',');
                var cell = row[i];
                switch (cell.ValueKind)
                {
                    case JsonValueKind.Undefined or JsonValueKind.Null: break;
                    case JsonValueKind.String: CsvResultWriter.Field(sb, cell.GetString()!.TrimEnd()); break;
                    case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False: sb.Append(cell.GetRawText()); break;
                    default: CsvResultWriter.Field(sb, cell.GetRawText()); break;
                }
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private string Table(CliTable table, TableFormat layout)
    {
        if (table.Columns.Count == 0)
            return table.AffectedRows is long affected ? $"{affected} row(s) affected.\n" : "";
        var raw = new string[table.Rows.Count][];
        for (var r = 0; r < raw.Length; r++)
        {
            var row = table.Rows[r];
            var cells = raw[r] = new string[table.Columns.Count];
            for (var c = 0; c < cells.Length; c++)
                cells[c] = row[c].ValueKind == JsonValueKind.Undefined ? "NULL" : TextTable.CellText(row[c], "NULL");
        }
        var headers = table.Columns.ToArray();
        // A terminal gets a table that fits its width; a file or pipe gets cells up to 200 characters.
        var limit = layout == TableFormat.Markdown || !Terminal ? 200 : TextTable.FitWidth(layout, headers, raw, Width, 200);
        for (var c = 0; c < headers.Length; c++) headers[c] = TextTable.Clip(headers[c], limit);
        foreach (var cells in raw)
            for (var c = 0; c < cells.Length; c++) cells[c] = TextTable.Clip(cells[c], limit);
        var sb = new StringBuilder();
        TextTable.Write(sb, layout, headers, raw, [.. table.Numeric]);
        return sb.ToString();
    }

    /// <summary>"[dev] host · 3 rows · 25 ms" (and whether more rows exist).</summary>
    private static string Footer(CliTable table)
    {
        var sb = new StringBuilder();
        if (table.System is not null) sb.Append('[').Append(table.System).Append("] ").Append(table.Host).Append(" · ");
        else if (table.Systems is { } systems) sb.Append('[').Append(string.Join(", ", systems.Select(s => s.Name))).Append("] · ");
        sb.Append(table.Rows.Count).Append(table.Rows.Count == 1 ? " row" : " rows");
        if (table.HasMore && table.Note is null) sb.Append(" (more exist: raise --limit)");
        if (table.AffectedRows is long affected && table.Columns.Count == 0) sb.Append(" · ").Append(affected).Append(" affected");
        if (table.ElapsedMs > 0)
            sb.Append(" · ").Append(table.ElapsedMs < 1000
                ? table.ElapsedMs.ToString("0", CultureInfo.InvariantCulture) + " ms"
                : (table.ElapsedMs / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s");
        if (table.Note is not null) sb.Append('\n').Append(table.Note);
        return sb.Append('\n').ToString();
    }

    public void Dispose()
    {
        _stream.Flush();
        if (_ownsStream) _stream.Dispose();
    }
}
