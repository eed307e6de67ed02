using System.Text;

namespace EventShadow.Negotiator.Manifests;

/// <summary>
/// Splits a command line written as one string (compose <c>command: redis-server --save ""</c>) into
/// words the way a POSIX shell does for simple cases: whitespace separates words, single quotes keep
/// everything literal, double quotes keep whitespace and honour backslash before <c>" \ $ `</c>, and a
/// backslash outside quotes escapes the next character. Variables, globs and operators are not
/// expanded, so they stay in the words as written.
/// </summary>
internal static class ShellWords
{
    public static IReadOnlyList<string> Split(string commandLine, ManifestNode node)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        var index = 0;

        while (index < commandLine.Length)
        {
            var character = commandLine[index];
            if (char.IsWhiteSpace(character))
            {
                EndWord();
                index++;
                continue;
            }

            inWord = true;
            switch (character)
            {
                case '\'':
                    var closing = commandLine.IndexOf('\'', index + 1);
                    if (closing < 0)
                    {
                        throw Unterminated(node, "single quote");
                    }

                    word.Append(commandLine, index + 1, closing - index - 1);
                    index = closing + 1;
                    break;

                case '"':
                    index = ReadDoubleQuoted(commandLine, index + 1, word, node);
                    break;

                case '\\' when index + 1 < commandLine.Length:
                    word.Append(commandLine[index + 1]);
                    index += 2;
                    break;

                default:
                    word.Append(character);
                    index++;
                    break;
            }
        }

        EndWord();
        return words;

        void EndWord()
        {
            if (inWord)
            {
                words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
        }
    }

    /// <summary>
    /// Appends the contents of a double-quoted string that starts at <paramref name="start"/> and returns
    /// the index after its closing quote.
    /// </summary>
    private static int ReadDoubleQuoted(string commandLine, int start, StringBuilder word, ManifestNode node)
    {
        var index = start;
        while (index < commandLine.Length)
        {
            var character = commandLine[index];
            if (character == '"')
            {
                return index + 1;
            }

            if (character == '\\' && index + 1 < commandLine.Length && commandLine[index + 1] is '"' or '\\' or '$' or '`')
            {
                word.Append(commandLine[index + 1]);
                index += 2;
                continue;
            }

            word.Append(character);
            index++;
        }

        throw Unterminated(node, "double quote");
    }

    private static ManifestException Unterminated(ManifestNode node, string quote) =>
        node.Error($"the command has an unterminated {quote}. Close it, or write the command as a list of words");
}
