namespace IbmiMcp.Tests.Tools;

/// <summary>Error texts are read by models and people: a phrase said twice ("X: X: …") is a bug.</summary>
internal static class ErrorText
{
    /// <summary>Fails when any run of three or more words occurs twice in <paramref name="text"/>.</summary>
    public static void AssertNoRepeatedPhrase(string text)
    {
        var words = text.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 3 <= words.Length; i++)
        {
            var phrase = string.Join(' ', words, i, 3);
            Assert.True(seen.Add(phrase), $"\"{phrase}\" is repeated in: {text}");
        }
    }
}
