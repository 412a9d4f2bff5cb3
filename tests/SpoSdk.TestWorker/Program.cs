using System.Globalization;
using System.Text;
using SpoSdk.Node.Files;
using SpoSdk.TestWorker;

// Test worker: `write-loop ROOT HOSTPATH SIZE` rewrites one node file forever, alternating two
// payloads of SIZE bytes (all 'A' then all 'B'), so a test can kill it mid-write and check that the
// file is always one payload or the other, never a mix.
if (args is ["write-loop", var root, var hostPath, var sizeText] && int.TryParse(sizeText, out var size))
{
    var files = new LocalNodeFileSystem(root);
    var payloads = new[] { Encoding.ASCII.GetBytes(new string('A', size)), Encoding.ASCII.GetBytes(new string('B', size)) };
    // One whole file exists before the test may kill us: from then on it must always be whole.
    files.WriteIfChanged(hostPath, payloads[0]);
    Console.WriteLine("ready");
    for (var i = 1; ; i++)
    {
        files.WriteIfChanged(hostPath, payloads[i % 2]);
    }
}

// `tokenizer-digest SEED ROUNDS` prints this process's block width and TokenizerDigest.Compute(SEED, ROUNDS).
if (args is ["tokenizer-digest", var seedText, var roundsText])
{
    var digest = TokenizerDigest.Compute(int.Parse(seedText, CultureInfo.InvariantCulture), int.Parse(roundsText, CultureInfo.InvariantCulture));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{TokenizerDigest.BlockWidth} {digest}"));
    return 0;
}

Console.Error.WriteLine("usage: SpoSdk.TestWorker write-loop ROOT HOSTPATH SIZE | tokenizer-digest SEED ROUNDS");
return 2;
