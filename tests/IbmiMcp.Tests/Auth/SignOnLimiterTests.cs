using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class SignOnLimiterTests
{
    private readonly FakeTime _time = new();
    private readonly SignOnLimiter _limiter;
    private static readonly string Alice = SignOnLimiter.UserKey("alice", "H");
    private static readonly string Bob = SignOnLimiter.UserKey("BOB", "h");

    public SignOnLimiterTests() => _limiter = new SignOnLimiter(3, TimeSpan.FromMinutes(10), _time);

    private void Fail(string user, string address)
    {
        Assert.True(_limiter.TryBegin(user, address, out _));
        _limiter.End(user, address, SignOnOutcome.Rejected);
    }

    [Fact]
    public void User_is_locked_out_after_the_maximum_failures_for_the_lockout_duration()
    {
        for (int i = 0; i < 3; i++) Fail(Alice, "a:" + i);
        Assert.False(_limiter.TryBegin(SignOnLimiter.UserKey("ALICE", "h"), "a:other", out int wait));
        Assert.Equal(600, wait);
        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(_limiter.TryBegin(Alice, "a:other", out _));
    }

    [Fact]
    public void Success_resets_the_user_count()
    {
        Fail(Alice, "a:1");
        Fail(Alice, "a:2");
        Assert.True(_limiter.TryBegin(Alice, "a:3", out _));
        _limiter.End(Alice, "a:3", SignOnOutcome.Succeeded);
        Fail(Alice, "a:4");
        Fail(Alice, "a:5");
        Assert.True(_limiter.TryBegin(Alice, "a:6", out _));
    }

    [Fact]
    public void One_address_guessing_many_users_is_locked_out()
    {
        Fail(SignOnLimiter.UserKey("U1", "h"), "a:x");
        Fail(SignOnLimiter.UserKey("U2", "h"), "a:x");
        Fail(SignOnLimiter.UserKey("U3", "h"), "a:x");
        Assert.False(_limiter.TryBegin(Bob, "a:x", out _));
        Assert.True(_limiter.TryBegin(Bob, "a:y", out _));
    }

    [Fact]
    public void Inconclusive_outcomes_do_not_count()
    {
        for (int i = 0; i < 10; i++)
        {
            Assert.True(_limiter.TryBegin(Alice, "a:1", out _));
            _limiter.End(Alice, "a:1", SignOnOutcome.Inconclusive);
        }
    }

    [Fact]
    public void Attempts_in_flight_count_so_a_burst_cannot_pass_the_limit()
    {
        int admitted = 0;
        for (int i = 0; i < 100; i++)
            if (_limiter.TryBegin(Alice, "a:" + i, out _)) admitted++;
        Assert.Equal(3, admitted);
    }

    [Fact]
    public void Many_users_behind_one_address_may_sign_on_at_once()
    {
        for (int i = 0; i < 50; i++)
            Assert.True(_limiter.TryBegin(SignOnLimiter.UserKey("U" + i, "h"), "a:nat", out _));
    }

    [Fact]
    public void Old_failures_are_forgiven_and_pruned()
    {
        Fail(Alice, "a:1");
        Fail(Alice, "a:1");
        _time.Advance(TimeSpan.FromMinutes(10));
        Fail(Alice, "a:1");
        Fail(Alice, "a:1");
        Assert.True(_limiter.TryBegin(Alice, "a:1", out _));
        _limiter.End(Alice, "a:1", SignOnOutcome.Inconclusive);
        _time.Advance(TimeSpan.FromMinutes(10));
        _limiter.Prune();
        Assert.Equal(0, _limiter.TrackedCount);
    }
}
