using IbmiMcp.OAuth;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.OAuth;

public sealed class OAuthGrantStoreTests
{
    private static OAuthGrant Grant(FakeTime time, string password = "alice123", int generation = 0) =>
        new(OAuthGrant.NewId(), "ALICE", "ibmi.example.com", "dcr_client", "Claude", time.GetUtcNow().AddDays(7), generation, "session-token", "a1b2c3d4e5f6",
            null, 2, 5, System.Text.Encoding.UTF8.GetBytes(password));

    [Fact]
    public void The_sealed_form_reads_back_every_field_and_the_password_without_a_string()
    {
        var grant = Grant(new FakeTime(), "p+/=?ä€ 1") with { DurationSeconds = 1800 };
        var json = grant.ToJson();
        var back = OAuthGrant.FromJson(json);
        Assert.Equal(grant with { Password = back.Password }, back);
        Assert.Equal(grant.Password, back.Password);
        Assert.DoesNotContain("p+/=", System.Text.Encoding.UTF8.GetString(json), StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_metadata_document_client_id_and_name_read_back_too()
    {
        var grant = Grant(new FakeTime()) with { ClientId = "https://client.example/" + new string('é', 3000), ClientName = new string('"', 200) };
        var back = OAuthGrant.FromJson(grant.ToJson());
        Assert.Equal((grant.ClientId, grant.ClientName), (back.ClientId, back.ClientName));
        Assert.Equal(grant.Password, back.Password);
    }

    [Fact]
    public async Task A_grant_opens_only_with_its_key_and_a_found_copy_is_the_callers_to_zero()
    {
        var time = new FakeTime();
        var store = new MemoryOAuthGrantStore(time);
        var grant = Grant(time);
        var key = OAuthGrant.NewKey();
        await store.AddAsync(grant, key);

        Assert.Null(await store.FindAsync(grant.GrantId, OAuthGrant.NewKey()));
        var found = await store.FindAsync(grant.GrantId, key);
        Assert.NotNull(found);
        Assert.NotSame(grant.Password, found!.Password);
        found.Password.AsSpan().Clear();
        Assert.Equal("alice123"u8.ToArray(), (await store.FindAsync(grant.GrantId, key))!.Password);
    }

    [Fact]
    public async Task Only_one_of_two_rotations_from_the_same_generation_wins()
    {
        var time = new FakeTime();
        var store = new MemoryOAuthGrantStore(time);
        var grant = Grant(time);
        var key = OAuthGrant.NewKey();
        await store.AddAsync(grant, key);
        var seenByA = (await store.FindAsync(grant.GrantId, key))!;
        var seenByB = (await store.FindAsync(grant.GrantId, key))!;

        Assert.True(await store.TryReplaceAsync(seenByA, seenByA with { Generation = 1, Session = "a" }, key));
        Assert.False(await store.TryReplaceAsync(seenByB, seenByB with { Generation = 1, Session = "b" }, key));
        var now = (await store.FindAsync(grant.GrantId, key))!;
        Assert.Equal((1, "a"), (now.Generation, now.Session));
        Assert.Equal("alice123"u8.ToArray(), now.Password);   // the kept password is the store's own, not the callers' copy
    }

    [Fact]
    public async Task Removing_a_grant_zeroes_its_password_and_answers_once()
    {
        var time = new FakeTime();
        var store = new MemoryOAuthGrantStore(time);
        var grant = Grant(time);
        var key = OAuthGrant.NewKey();
        await store.AddAsync(grant, key);

        Assert.Null(await store.RemoveAsync(grant.GrantId, OAuthGrant.NewKey()));
        var removed = await store.RemoveAsync(grant.GrantId, key);
        Assert.Equal("session-token", removed!.Session);
        Assert.All(grant.Password, b => Assert.Equal(0, b));
        Assert.Null(await store.RemoveAsync(grant.GrantId, key));
        Assert.Null(await store.FindAsync(grant.GrantId, key));
    }

    [Fact]
    public async Task A_grant_ends_at_its_maximum_lifetime_whatever_its_refreshes()
    {
        var time = new FakeTime();
        var store = new MemoryOAuthGrantStore(time);
        var grant = Grant(time);
        var key = OAuthGrant.NewKey();
        await store.AddAsync(grant, key);
        time.Advance(TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        var found = (await store.FindAsync(grant.GrantId, key))!;
        Assert.True(await store.TryReplaceAsync(found, found with { Generation = 1 }, key));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(await store.FindAsync(grant.GrantId, key));
        Assert.All(grant.Password, b => Assert.Equal(0, b));
    }
}
