using IbmiMcp.Auth;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools.Authorization;

public sealed class AccessRuleTests
{
    private static AccessRule Rule(string[]? users = null, string[]? groups = null, string[]? authorities = null, string[]? scopes = null) =>
        new() { Users = users ?? [], Groups = groups ?? [], SpecialAuthorities = authorities ?? [], Scopes = scopes ?? [], Origin = "toolset 't'" };

    private static CallerProfile Ibmi(string user, string? group = null, string[]? supplemental = null, string[]? authorities = null, bool complete = true) =>
        CallerProfile.ForIbmiUser(user, group, supplemental ?? [], authorities ?? [], complete);

    private static CallerProfile Token(string client, string[] scopes, string[]? groups = null, string? subject = null) =>
        CallerProfile.ForToken(client, subject, scopes, groups ?? []);

    [Fact]
    public void Any_listed_clause_admits_the_caller()
    {
        var rule = Rule(users: ["ALICE"], groups: ["SECGRP"], authorities: ["*SECADM"], scopes: ["ibmi:security"]);
        Assert.True(rule.Admits(Ibmi("alice")));                                   // by user (case-insensitive)
        Assert.True(rule.Admits(Ibmi("CAROL", "SECGRP")));                         // by group profile
        Assert.True(rule.Admits(Ibmi("DAVE", "OTHER", ["SECGRP"])));               // by supplemental group
        Assert.True(rule.Admits(Ibmi("ERIN", authorities: ["*JOBCTL", "*SECADM"]))); // by special authority
        Assert.True(rule.Admits(Token("agent", ["ibmi:security", "x"])));          // by scope
        Assert.False(rule.Admits(Ibmi("BOB", "DEVGRP", authorities: ["*JOBCTL"])));
        Assert.False(rule.Admits(Token("agent", ["ibmi:access"])));
    }

    [Fact]
    public void Every_listed_scope_is_needed()
    {
        var rule = Rule(scopes: ["hr:read", "hr:salary"]);
        Assert.False(rule.Admits(Token("a", ["hr:read"])));
        Assert.True(rule.Admits(Token("a", ["hr:salary", "hr:read"])));
        Assert.False(rule.Admits(Token("a", ["HR:SALARY", "hr:read"])));   // scopes are case-sensitive (RFC 6749 §3.3)
    }

    [Fact]
    public void Token_groups_and_subject_count_as_groups_and_users()
    {
        Assert.True(Rule(groups: ["DBA"]).Admits(Token("agent", ["mcp"], groups: ["dba"])));
        Assert.True(Rule(users: ["someone@example.com"]).Admits(Token("agent", ["mcp"], subject: "someone@example.com")));
        Assert.True(Rule(users: ["agent"]).Admits(Token("agent", ["mcp"])));
    }

    [Fact]
    public void A_profile_that_could_not_be_read_passes_no_group_or_authority_rule_but_still_its_user_rule()
    {
        var unread = Ibmi("CAROL", "SECGRP", authorities: ["*SECADM"], complete: false);
        Assert.False(Rule(groups: ["SECGRP"]).Admits(unread));
        Assert.False(Rule(authorities: ["*SECADM"]).Admits(unread));
        Assert.True(Rule(users: ["CAROL"]).Admits(unread));
    }

    [Fact]
    public void The_anonymous_profile_passes_no_rule() =>
        Assert.False(Rule(users: ["ANONYMOUS_X"], groups: ["ANY"], scopes: ["s"]).Admits(CallerProfile.Anonymous));

    [Fact]
    public void Describe_names_what_is_needed() =>
        Assert.Equal("group SECGRP, or special authority *SECADM or *AUDIT, or scopes a and b",
            Rule(groups: ["SECGRP"], authorities: ["*SECADM", "*AUDIT"], scopes: ["a", "b"]).Describe());
}
