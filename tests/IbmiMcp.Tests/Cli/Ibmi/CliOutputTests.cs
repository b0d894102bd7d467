using IbmiMcp.Cli;
using System.Text;
using System.Text.Json;
using IbmiMcp.Cli.Ibmi;
using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Systems;

namespace IbmiMcp.Tests.Cli.Ibmi;

/// <summary>What a person reads and what a script parses: tables fit the terminal, every format keeps every cell.</summary>
public sealed class CliOutputTests
{
    private static CliTable Sample()
    {
        var table = new CliTable { Command = "sql", System = "dev", Host = "127.0.0.1", ElapsedMs = 12 };
        table.AddColumn("NAME");
        table.AddColumn("SALARY", numeric: true);
        table.AddColumn("NOTE");
        table.AddColumn("NAME");
        table.AddRow("CHRISTINE", null, new string('x', 300), "HAAS");
        table.Rows[0][1] = JsonDocument.Parse("152750.00").RootElement;
        table.AddRow("SALLY", null, null, "KWAN");
        table.Rows[1][1] = JsonDocument.Parse("98250.00").RootElement;
        return table;
    }

    private static string Render(CliFormat format, bool terminal = false, int width = 160)
    {
        using var stream = new MemoryStream();
        using (var output = new CliOutput(format, stream, ownsStream: false, terminal, width))
            output.Write(Sample());
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    [Fact]
    public void A_repeated_column_name_gets_a_suffix_instead_of_hiding_the_other()
    {
        Assert.Equal(["NAME", "SALARY", "NOTE", "NAME_2"], Sample().Columns);
    }

    [Theory]
    [InlineData(60)]
    [InlineData(100)]
    public void A_terminal_table_fits_the_terminal_width(int width)
    {
        var text = Render(CliFormat.Table, terminal: true, width);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.True(line.Length <= width, $"{line.Length} > {width}: {line}"));
        Assert.Contains("xxx...", text);                     // long text is clipped visibly, not silently
        Assert.Contains("NULL", text);
        Assert.Contains("152750.00 │", text);                 // numbers right-aligned
        Assert.Contains("[dev] 127.0.0.1 · 2 rows · 12 ms", text);
    }

    [Fact]
    public void Json_keeps_types_nulls_and_every_column()
    {
        using var doc = JsonDocument.Parse(Render(CliFormat.Json));
        var row = doc.RootElement.GetProperty("data")[0];
        Assert.Equal(JsonValueKind.Number, row.GetProperty("SALARY").ValueKind);
        Assert.Equal("HAAS", row.GetProperty("NAME_2").GetString());
        Assert.Equal(300, row.GetProperty("NOTE").GetString()!.Length);   // nothing clipped for a program
        Assert.Equal(JsonValueKind.Null, doc.RootElement.GetProperty("data")[1].GetProperty("NOTE").ValueKind);
        Assert.Equal(2, doc.RootElement.GetProperty("meta").GetProperty("rows").GetInt32());
    }

    [Fact]
    public void Csv_quotes_per_RFC_4180_and_leaves_nulls_empty()
    {
        var table = new CliTable { Command = "sql" };
        table.AddColumn("A");
        table.AddColumn("B");
        table.AddRow("x,\"y\"", null);
        using var stream = new MemoryStream();
        using (var output = new CliOutput(CliFormat.Csv, stream, ownsStream: false, terminal: false, 160))
            output.Write(table);
        Assert.Equal("A,B\n\"x,\"\"y\"\"\",\n", Encoding.UTF8.GetString(stream.ToArray()));
    }

    [Fact]
    public void Ndjson_writes_one_object_per_row()
    {
        var lines = Render(CliFormat.NdJson).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Equal("SALLY", JsonDocument.Parse(lines[1]).RootElement.GetProperty("NAME").GetString());
    }

    [Fact]
    public void Config_round_trips_and_reports_mistakes_with_their_line()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ibmi-cli-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(dir, ".ibmi", "config.yaml");
        var config = new CliConfig { Path = path, Default = "dev" };
        config.Systems["dev"] = new CliSystem { Name = "dev", Host = "127.0.0.1", Port = 8076, User = "MCPUSER", Password = "${DEV_PASS}", ReadOnly = true, Tools = ["tools/a.yaml"] };
        config.Save(path);
        var back = CliConfig.LoadFile(path);
        Assert.Equal("dev", back.Default);
        var dev = back.Systems["dev"];
        Assert.Equal(("127.0.0.1", 8076, "MCPUSER", "${DEV_PASS}", true), (dev.Host, dev.Port, dev.User, dev.Password, dev.ReadOnly));
        Assert.Equal(["tools/a.yaml"], dev.Tools);

        File.WriteAllText(path, "systems:\n  dev:\n    host: h\n    user: u\n    colour: blue\n");
        var ex = Assert.Throws<CliException>(() => CliConfig.LoadFile(path));
        Assert.Contains("colour", ex.Message);
        Assert.Contains(":5:", ex.Message);
        Directory.Delete(dir, recursive: true);
    }
}

public sealed class TextTableFrameTests
{
    [Theory]
    [InlineData("ascii", "+------+----+\n| NAME | N  |\n+------+----+\n| AB   | 12 |\n+------+----+\n")]
    [InlineData("grid", "┌──────┬────┐\n│ NAME │ N  │\n├──────┼────┤\n│ AB   │ 12 │\n└──────┴────┘\n")]
    public void Boxed_tables_draw_their_frame_and_right_align_numbers(string format, string expected)
    {
        var sb = new System.Text.StringBuilder();
        IbmiMcp.Tools.TextTable.Write(sb, format == "ascii" ? IbmiMcp.Tools.TableFormat.Ascii : IbmiMcp.Tools.TableFormat.Grid, ["NAME", "N"], [["AB", "12"]], [false, true]);
        Assert.Equal(expected, sb.ToString());
    }
}
