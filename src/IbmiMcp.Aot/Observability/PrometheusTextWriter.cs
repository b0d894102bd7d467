using System.Buffers;
using System.Globalization;
using System.Text;

namespace IbmiMcp.Observability;

/// <summary>
/// Writes the Prometheus text exposition format 0.0.4 as UTF-8: <c># HELP</c>/<c># TYPE</c> per family, then
/// <c>name{label="value",…} number</c> lines. Label values escape backslash, double quote and line feed; HELP
/// text escapes backslash and line feed (format spec). Scrape path only, so plain and readable.
/// </summary>
internal sealed class PrometheusTextWriter
{
    private readonly IBufferWriter<byte> _output;
    private int _labels;

    public PrometheusTextWriter(IBufferWriter<byte> output) => _output = output;

    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public void Family(string name, string type, string help)
    {
        Raw("# HELP "); Raw(name); Raw(" ");
        Escaped(help, escapeQuote: false);
        Raw("\n# TYPE "); Raw(name); Raw(" "); Raw(type); Raw("\n");
    }

    /// <summary>A family of one series without labels: its HELP and TYPE lines, then its value.</summary>
    public void Single(string name, string type, string help, long value)
    {
        Family(name, type, help);
        Begin(name).Value(value);
    }

    /// <inheritdoc cref="Single(string, string, string, long)"/>
    public void Single(string name, string type, string help, double value)
    {
        Family(name, type, help);
        Begin(name).Value(value);
    }

    public PrometheusTextWriter Begin(string name)
    {
        Raw(name);
        _labels = 0;
        return this;
    }

    public PrometheusTextWriter Label(string name, string value)
    {
        Raw(_labels++ == 0 ? "{" : ",");
        Raw(name); Raw("=\"");
        Escaped(value, escapeQuote: true);
        Raw("\"");
        return this;
    }

    public void Value(long value)
    {
        CloseLabels();
        Span<byte> digits = stackalloc byte[24];
        value.TryFormat(digits, out var n, default, CultureInfo.InvariantCulture);
        _output.Write(digits[..n]);
        Raw("\n");
    }

    public void Value(double value)
    {
        CloseLabels();
        Raw(Format(value));
        Raw("\n");
    }

    public static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void CloseLabels()
    {
        Raw(_labels > 0 ? "} " : " ");
        _labels = 0;
    }

    private void Escaped(string text, bool escapeQuote)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            var escape = c switch { '\\' => "\\\\", '\n' => "\\n", '"' when escapeQuote => "\\\"", _ => null };
            if (escape is null) continue;
            Raw(text.AsSpan(start, i - start));
            Raw(escape);
            start = i + 1;
        }
        Raw(text.AsSpan(start));
    }

    private void Raw(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty) return;
        var span = _output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        var n = Encoding.UTF8.GetBytes(text, span);
        _output.Advance(n);
    }
}
