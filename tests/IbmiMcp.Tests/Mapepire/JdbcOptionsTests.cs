using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

public sealed class JdbcOptionsTests
{
    [Fact]
    public void Env_text_is_parsed_with_trimmed_pairs_and_comma_split_libraries()
    {
        var options = JdbcOptions.Parse(" naming = system ;; libraries=SAMPLE, QIWS ,;date format=iso;translate binary=a=b ");
        Assert.Equal("naming=system;libraries=SAMPLE,QIWS;date format=iso;translate binary=a=b", options.ToPropsString());
        Assert.True(options.TryGet("LIBRARIES", out var libs));
        Assert.Equal(["SAMPLE", "QIWS"], libs);
    }

    [Theory]
    [InlineData("naming=system;oops", "oops")]
    [InlineData("=x", "=x")]
    [InlineData(" =x", "=x")]
    public void A_malformed_pair_is_named_in_the_error(string text, string pair)
    {
        var ex = Assert.Throws<FormatException>(() => JdbcOptions.Parse(text));
        Assert.Equal($"Invalid DB2i_JDBC_OPTIONS: malformed pair \"{pair}\" — expected key=value", ex.Message);
    }

    [Fact]
    public void Env_options_override_yaml_options_per_key()
    {
        var yaml = JdbcOptions.FromMap([
            new("libraries", new List<object> { "APP", "QGPL" }), new("naming", "sql"), new("full open", true), new("block size", 512),
        ]);
        var merged = yaml.MergedWith(JdbcOptions.Parse("NAMING=system"));
        Assert.Equal("libraries=APP,QGPL;naming=system;full open=true;block size=512", merged.ToPropsString());
    }

    [Fact]
    public void Empty_text_gives_no_props()
    {
        Assert.Equal("", JdbcOptions.Parse(null).ToPropsString());
        Assert.Equal("", JdbcOptions.Parse("  ; ").ToPropsString());
        Assert.Equal("libraries=A,B", JdbcOptions.From([new("libraries", "A,B")]).ToPropsString());
    }
}
