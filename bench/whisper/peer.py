"""faster-whisper timings for bench/whisper/run.mjs. argv[1]: JSON {model, wavs: [{name, path}], settings: [{compute_type, beam}], reps}.
Prints JSON: {results: [{name, compute_type, beam, seconds, cpu_seconds, text}]} (cpu_seconds: process CPU time, all threads)."""
import json, sys, time

def main():
    cfg = json.loads(sys.argv[1])
    from faster_whisper import WhisperModel
    out = {"results": []}
    for s in cfg["settings"]:
        model = WhisperModel(cfg["model"], device="cpu", compute_type=s["compute_type"], cpu_threads=cfg.get("threads", 2))
        # warm-up on the shortest clip
        list(model.transcribe(cfg["wavs"][0]["path"], beam_size=s["beam"])[0])
        for w in cfg["wavs"]:
            times, cpus, text = [], [], ""
            for _ in range(cfg.get("reps", 1)):
                t0, c0 = time.perf_counter(), time.process_time()
                segments, _info = model.transcribe(w["path"], beam_size=s["beam"], best_of=5, temperature=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
                                                   condition_on_previous_text=True, vad_filter=False, language="en")
                text = "".join(seg.text for seg in segments)
                times.append(time.perf_counter() - t0)
                cpus.append(time.process_time() - c0)
            times.sort()
            cpus.sort()
            out["results"].append({"name": w["name"], "compute_type": s["compute_type"], "beam": s["beam"],
                                   "seconds": times[len(times) // 2], "cpu_seconds": cpus[len(cpus) // 2], "text": text})
        del model
    print(json.dumps(out))

if __name__ == "__main__":
    main()
