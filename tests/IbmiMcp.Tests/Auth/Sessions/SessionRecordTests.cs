using System.Text;
using IbmiMcp.Auth.Sessions;

namespace IbmiMcp.Tests.Auth.Sessions;

public sealed class SessionRecordTests
{
    private static SessionRecord Record() => new()
    {
        User = "ALICE", Host = "ibmi.example", Port = 8076, PoolMax = 5,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000),
        ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(1_780_003_600_000),
        ClientAddress = "127.0.0.2", EnvelopeKeyId = "k1",
    };

    [Fact]
    public void A_record_round_trips_with_its_password()
    {
        var json = Record().Serialize("pä:ss wörd"u8);
        Assert.True(SessionRecord.TryParse(json, out var back, out var password));
        Assert.Equal("pä:ss wörd", Encoding.UTF8.GetString(password!));
        Assert.Equivalent(Record(), back);
    }

    [Fact]
    public void Fields_a_newer_replica_adds_are_ignored()
    {
        var json = Encoding.UTF8.GetBytes("""{"u":"BOB","h":"h","p":8076,"pm":2,"c":1,"e":2,"pw":"eA==","later":{"x":[1,2]}}""");
        Assert.True(SessionRecord.TryParse(json, out var back, out var password));
        Assert.Equal("BOB", back!.User);
        Assert.Equal("x", Encoding.UTF8.GetString(password!));
    }

    [Theory]
    [InlineData("""{"h":"h","p":8076,"pm":2,"e":2,"pw":"eA=="}""")]
    [InlineData("""{"u":"U","h":"h","p":8076,"pm":2,"e":2}""")]
    [InlineData("""{"u":"U","h":"h","p":0,"pm":2,"e":2,"pw":"eA=="}""")]
    [InlineData("""{"u":"U","h":"h","p":8076,"pm":2,"e":2,"pw":"not base64!"}""")]
    [InlineData("""[1]""")]
    [InlineData("""{"u":""")]
    public void Incomplete_or_broken_records_are_refused(string json)
    {
        Assert.False(SessionRecord.TryParse(Encoding.UTF8.GetBytes(json), out var record, out var password));
        Assert.Null(record);
        Assert.Null(password);
    }
}
