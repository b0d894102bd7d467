using System.Text;

namespace IbmiMcp.Cli;

/// <summary>
/// The one way every verb prints its help: <c>usage: …</c> lines, what the verb does, then titled sections of aligned
/// rows (options from their <see cref="CliOption"/> declarations, or commands), then closing notes.
/// </summary>
internal sealed class CliHelp
{
    public required string[] Usage { get; init; }

    public string? Summary { get; init; }

    public List<(string Title, List<(string Label, string Text)> Rows)> Sections { get; } = [];

    public string? Notes { get; init; }

    /// <summary>Adds a section listing <paramref name="options"/> (their labels and help).</summary>
    public CliHelp WithOptions(string title, IEnumerable<CliOption> options)
    {
        Sections.Add((title, [.. options.Select(o => (o.Label, o.Help))]));
        return this;
    }

    public CliHelp WithRows(string title, IEnumerable<(string Label, string Text)> rows)
    {
        Sections.Add((title, [.. rows]));
        return this;
    }

    public string Render()
    {
        var text = new StringBuilder();
        for (var i = 0; i < Usage.Length; i++)
            text.Append(i == 0 ? "usage: " : "       ").Append(Usage[i]).Append('\n');
        if (Summary is not null)
            text.Append('\n').Append(Summary).Append('\n');
        var width = 0;
        foreach (var (_, rows) in Sections)
            foreach (var (label, _) in rows)
                width = Math.Max(width, label.Length);
        foreach (var (title, rows) in Sections)
        {
            text.Append('\n').Append(title).Append(":\n");
            foreach (var (label, help) in rows)
            {
                // Continuation lines of a long help text line up under its first line.
                var lines = help.Split('\n');
                text.Append("  ").Append(label.PadRight(width)).Append("  ").Append(lines[0]).Append('\n');
                for (var l = 1; l < lines.Length; l++)
                    text.Append(' ', width + 4).Append(lines[l]).Append('\n');
            }
        }
        if (Notes is not null)
            text.Append('\n').Append(Notes).Append('\n');
        return text.ToString();
    }
}
