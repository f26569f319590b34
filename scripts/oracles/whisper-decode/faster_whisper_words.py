"""Word timestamps from faster-whisper (CTranslate2) for a 16 kHz WAV: the oracle for our word alignment.

Usage: python faster_whisper_words.py MODEL_DIR WAV OUT_JSON
Needs: pip install faster-whisper (bench/whisper/setup.sh installs it into bench/.venv).
Makes the WAV too when it does not exist: espeak-ng + sox, sentences below (16 kHz mono 16-bit).
"""
import json, os, subprocess, sys, tempfile

SENTENCES = [
    "The quick brown fox jumps over the lazy dog.",
    "Please remember to buy milk and bread on your way home.",
    "The train to London leaves at half past seven.",
]

def make_wav(path):
    with tempfile.TemporaryDirectory() as d:
        parts = []
        for i, s in enumerate(SENTENCES):
            raw = os.path.join(d, f"{i}.wav")
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", raw, s], check=True)
            parts.append(raw)
            sil = os.path.join(d, f"{i}s.wav")
            subprocess.run(["sox", "-n", "-r", "22050", "-c", "1", "-b", "16", sil, "trim", "0", "0.6"], check=True)
            parts.append(sil)
        subprocess.run(["sox", *parts, "-r", "16000", "-c", "1", "-b", "16", path], check=True)

def main():
    model_dir, wav, out = sys.argv[1:4]
    if not os.path.exists(wav):
        make_wav(wav)
    from faster_whisper import WhisperModel
    model = WhisperModel(model_dir, device="cpu", compute_type="float32", cpu_threads=2)
    segments, info = model.transcribe(wav, beam_size=1, temperature=0.0, word_timestamps=True,
                                      condition_on_previous_text=False, vad_filter=False)
    result = {"tool": "faster-whisper", "model": os.path.basename(model_dir.rstrip("/")), "sentences": SENTENCES,
              "language": info.language, "segments": []}
    for s in segments:
        result["segments"].append({"start": s.start, "end": s.end, "text": s.text,
                                   "words": [{"word": w.word, "start": w.start, "end": w.end, "probability": w.probability} for w in s.words]})
    with open(out, "w") as f:
        json.dump(result, f, indent=1)

if __name__ == "__main__":
    main()
