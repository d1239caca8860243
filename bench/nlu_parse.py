"""Runs in the bot environment: parses held-out messages with a trained Rasa model.

Usage: bot/.venv/bin/python -m bench.nlu_parse MODEL IN.json OUT.json (from the project root,
which holds the custom components the model names).
IN is a list of texts; OUT gets [{"intent", "confidence", "ms"}] in the same order.
"""

import asyncio
import json
import sys
import time

from rasa.core.agent import Agent


async def main(model: str, texts: list[str]) -> list[dict]:
    agent = Agent.load(model)
    await agent.parse_message("warm up")
    results = []
    for text in texts:
        started = time.perf_counter()
        parsed = await agent.parse_message(text)
        results.append(
            {
                "intent": parsed["intent"]["name"],
                "confidence": parsed["intent"]["confidence"],
                "ms": (time.perf_counter() - started) * 1000,
            }
        )
    return results


if __name__ == "__main__":
    model_path, in_path, out_path = sys.argv[1:4]
    with open(in_path) as source:
        texts = json.load(source)
    with open(out_path, "w") as target:
        json.dump(asyncio.run(main(model_path, texts)), target)
