using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

public sealed class SqlStatementClassifierTests
{
    public static TheoryData<string, string, int> Corpus()
    {
        var data = new TheoryData<string, string, int>();
        var path = Path.Combine(AppContext.BaseDirectory, "Tools", "ClassifierCorpus.txt");
        int lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            if (raw.Length == 0 || raw.StartsWith('#')) continue;
            int space = raw.IndexOf(' ');
            var verdict = space < 0 ? raw : raw[..space];
            var sql = space < 0 ? "" : raw[(space + 1)..].Replace("\\n", "\n");
            data.Add(verdict, sql, lineNo);
        }
        return data;
    }

    [Fact]
    public void Corpus_has_at_least_sixty_cases() => Assert.True(Corpus().Count >= 60);

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Corpus_statement_is_classified_as_expected(string verdict, string sql, int line)
    {
        var reason = SqlStatementClassifier.CheckReadOnly(sql);
        if (verdict == "ALLOW") Assert.True(reason is null, $"line {line}: expected ALLOW but got '{reason}' for: {sql}");
        else Assert.True(reason is not null, $"line {line}: expected DENY for: {sql}");
    }

    [Fact]
    public void Qcmdexc_in_a_select_is_named_in_the_reason()
    {
        var reason = SqlStatementClassifier.CheckReadOnly("SELECT qsys2.qcmdexc('DLTLIB X') FROM SYSIBM.SYSDUMMY1");
        Assert.Equal("Write operations detected: QSYS2.QCMDEXC changes the system and is not allowed in read-only mode", reason);
    }

    [Fact]
    public void Multiple_statements_are_reported_as_such()
    {
        Assert.Equal("Multiple statements are not allowed: send one statement per call", SqlStatementClassifier.CheckReadOnly("SELECT 1 FROM X; DROP TABLE X"));
    }

    [Fact]
    public void Forbidden_keywords_ignore_literals_and_comments_but_match_case_insensitively()
    {
        var policy = new ToolSecurityPolicy { ForbiddenKeywords = [["employee"], ["FETCH", "FIRST"]] };
        Assert.True(SqlSecurityValidator.Validate("SELECT 'EMPLOYEE' FROM X -- EMPLOYEE", policy).IsAllowed);
        Assert.Equal("Forbidden keyword detected: EMPLOYEE", SqlSecurityValidator.Validate("select * from sample.Employee", policy).Message);
        Assert.Equal("Forbidden keyword detected: FETCH FIRST", SqlSecurityValidator.Validate("SELECT * FROM X FETCH  first 1 ROWS ONLY", policy).Message);
    }

    [Fact]
    public void Overlong_statement_is_refused_with_the_reference_message()
    {
        var policy = new ToolSecurityPolicy { MaxQueryLength = 20 };
        var verdict = SqlSecurityValidator.Validate("SELECT * FROM SAMPLE.EMPLOYEE", policy);
        Assert.Equal("Query exceeds maximum length of 20 characters", verdict.Message);
    }

    [Fact]
    public void Writable_tools_may_write_but_still_run_one_statement()
    {
        var policy = new ToolSecurityPolicy { ReadOnly = false };
        Assert.True(SqlSecurityValidator.Validate("REFRESH TABLE SYSTOOLS.SPECIAL_AUTHORITY_DATA_MART", policy).IsAllowed);
        Assert.False(SqlSecurityValidator.Validate("DELETE FROM X; DROP TABLE Y", policy).IsAllowed);
    }
}
