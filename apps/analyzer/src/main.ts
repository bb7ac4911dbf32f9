#!/usr/bin/env node
// Analyzer worker: frames queue → detector pool → tracker → rules → alerts queue. Settings: settings.ts.
// SIGTERM/SIGINT: finish the running frames, exit 0 within runService's default deadline (15 s,
// under the 20 s grace of docker/k8s/analyzer.yaml and compose).
import { createLogger, runService } from '@xl/observability';
import { startAnalyzer } from './analyzer.app';
import { loadAnalyzerSettings } from './settings';

const log = createLogger('analyzer');
runService('analyzer', log, (signal) => startAnalyzer(loadAnalyzerSettings(), log, signal));
