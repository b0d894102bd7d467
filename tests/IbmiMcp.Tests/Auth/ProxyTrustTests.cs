using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class ProxyTrustTests
{
    private static ProxyTrust Trust(params string[] entries)
    {
        var errors = new List<string>();
        var trust = ProxyTrust.Parse(entries, errors);
        Assert.Empty(errors);
        return trust;
    }

    [Fact]
    public void Forwarded_proto_is_ignored_from_untrusted_peers()
    {
        var context = AuthHarness.Context("POST", https: false, remote: "127.0.0.2");
        context.Request.Headers["X-Forwarded-Proto"] = "https";
        Assert.False(ProxyTrust.None.IsHttps(context));
        Assert.False(Trust("127.0.0.1").IsHttps(context));
        Assert.True(Trust("127.0.0.0/8").IsHttps(context));
    }

    [Theory]
    [InlineData("https", true)]
    [InlineData("HTTPS ", true)]
    [InlineData("http", false)]
    [InlineData("https, http", false)]
    [InlineData("http, https", true)]
    public void The_nearest_proxys_forwarded_proto_decides(string header, bool https)
    {
        var context = AuthHarness.Context("POST", https: false, remote: "::1");
        context.Request.Headers["X-Forwarded-Proto"] = header;
        Assert.Equal(https, Trust("::1").IsHttps(context));
    }

    [Fact]
    public void Client_address_is_the_first_untrusted_hop_from_the_right()
    {
        var context = AuthHarness.Context("POST", remote: "127.0.0.1");
        context.Request.Headers["X-Forwarded-For"] = "6.6.6.6, 10.1.2.3, 127.0.0.5";
        Assert.Equal("127.0.0.1", ProxyTrust.None.ClientAddress(context));
        Assert.Equal("10.1.2.3", Trust("127.0.0.0/8").ClientAddress(context));
    }

    [Fact]
    public void Bad_entries_are_reported()
    {
        var errors = new List<string>();
        ProxyTrust.Parse(["10.0.0.1", "nonsense", "10.0.0.0/33"], errors);
        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.StartsWith("MCP_TRUSTED_PROXIES", e));
    }
}
