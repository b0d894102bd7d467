namespace IbmiMcp.Tests.Observability;

public sealed class PrometheusTextParserTests
{
    private const string Valid = """
        # HELP x_total Things.
        # TYPE x_total counter
        x_total{a="q\"uo\\te\nd"} 3
        # HELP h Latency.
        # TYPE h histogram
        h_bucket{le="0.1"} 1
        h_bucket{le="+Inf"} 2
        h_sum 0.35
        h_count 2

        """;

    [Fact]
    public void Parses_families_labels_with_escapes_and_histograms()
    {
        var e = PrometheusTextParser.Parse(Valid.Replace("\r", ""));
        Assert.Equal("counter", e.Families["x_total"].Type);
        Assert.Equal(3, e.Value("x_total", ("a", "q\"uo\\te\nd")));
        Assert.Equal(2, e.Value("h_count"));
    }

    [Theory]
    [InlineData("x_total 1\n", "without a TYPE")]
    [InlineData("# TYPE x_total counter\nx_total 1\n", "no HELP")]
    [InlineData("# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"b\\t\"} 1\n", "Bad escape")]
    [InlineData("# HELP x_total X.\n# TYPE x_total counter\nx_total{a=\"b\"} 1\nx_total{a=\"b\"} 2\n", "Duplicate series")]
    [InlineData("# HELP x_total X.\n# TYPE x_total counter\nx_total -1\n", "Negative counter")]
    [InlineData("# HELP x_total X.\n# TYPE x_total counter\nx_total 1", "line feed")]
    [InlineData("# HELP x_total X.\n# TYPE x_total counter\nx_total{1a=\"b\"} 1\n", "Bad label name")]
    [InlineData("# HELP x_total X.\n# TYPE x_total counter\nx_total one\n", "Bad number")]
    [InlineData("# HELP a X.\n# TYPE a gauge\na 1\n# HELP b X.\n# TYPE b gauge\nb 1\na{x=\"y\"} 2\n", "not contiguous")]
    [InlineData("# HELP h X.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "not cumulative")]
    [InlineData("# HELP h X.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n", "+Inf")]
    [InlineData("# HELP h X.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n", "_count")]
    [InlineData("# HELP h X.\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_count 2\n", "_sum")]
    [InlineData("# HELP h X.\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n", "ascending")]
    public void Rejects_what_the_format_forbids(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => PrometheusTextParser.Parse(text));
        Assert.Contains(expected, ex.Message);
    }
}
