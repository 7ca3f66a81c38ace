// Scanning an invite's QR code with the device's camera, where there is one. Everything runs on
// the device: frames go to an offscreen canvas and are decoded by jsQR, nothing leaves the app.
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { hasVideoInput, looksLikeInvite } from '../logic/invite';
import { useApp } from '../store';
import { Icon } from './Icon';

const SCAN_EVERY_MS = 250;
const GIVE_UP_MS = 2 * 60 * 1000;
/** Frames are scaled down to at most this many pixels a side before decoding, to stay quick. */
const MAX_DECODE_SIDE = 800;

/** True once we know the device has a camera and a way to use it; false until then. */
export function useHasCamera(): boolean {
  const [has, setHas] = useState(false);
  useEffect(() => {
    const md = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (!md?.getUserMedia || !md.enumerateDevices) return;
    let live = true;
    const check = () =>
      md.enumerateDevices().then(
        (devices) => live && setHas(hasVideoInput(devices)),
        () => live && setHas(false),
      );
    void check();
    md.addEventListener?.('devicechange', check);
    return () => {
      live = false;
      md.removeEventListener?.('devicechange', check);
    };
  }, []);
  return has;
}

type Phase = 'starting' | 'scanning' | 'wrong_code' | 'unavailable' | 'timeout';

/** The inline scanner panel. Calls `onResult` once with text that looks like an invite. */
export function QrScanner({ onResult, onCancel }: { onResult: (text: string) => void; onCancel: () => void }): JSX.Element {
  const { t } = useApp();
  const videoRef = useRef<HTMLVideoElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [phase, setPhase] = useState<Phase>('starting');
  const [attempt, setAttempt] = useState(0);
  // The latest callback, so a new parent render doesn't restart the camera.
  const resultRef = useRef(onResult);
  resultRef.current = onResult;

  useEffect(() => cancelRef.current?.focus(), []);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    let giveUp: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const stop = () => {
      stopped = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      stream?.getTracks().forEach((track) => track.stop());
      stream = null;
      if (videoRef.current) videoRef.current.srcObject = null;
    };
    const fail = () => {
      if (stopped) return;
      stop();
      setPhase('unavailable');
    };

    (async () => {
      const [{ default: jsQR }, media] = await Promise.all([
        import('jsqr'),
        navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false }),
      ]);
      stream = media;
      const video = videoRef.current;
      if (stopped || !video) {
        media.getTracks().forEach((track) => track.stop());
        return;
      }
      // Attributes as well as properties: WebKit checks them to play inline without a gesture.
      video.setAttribute('playsinline', '');
      video.setAttribute('muted', '');
      video.muted = true;
      video.srcObject = media;
      await video.play();
      if (stopped) return;
      setPhase('scanning');

      const canvas = document.createElement('canvas');
      const ctx = canvas.getContext('2d', { willReadFrequently: true });
      if (!ctx) throw new Error('no 2d canvas');
      timer = setInterval(() => {
        if (stopped || video.readyState < video.HAVE_CURRENT_DATA || !video.videoWidth) return;
        const scale = Math.min(1, MAX_DECODE_SIDE / Math.max(video.videoWidth, video.videoHeight));
        const w = Math.round(video.videoWidth * scale);
        const h = Math.round(video.videoHeight * scale);
        if (canvas.width !== w || canvas.height !== h) {
          canvas.width = w;
          canvas.height = h;
        }
        ctx.drawImage(video, 0, 0, w, h);
        const code = jsQR(ctx.getImageData(0, 0, w, h).data, w, h, { inversionAttempts: 'dontInvert' });
        if (!code?.data) return;
        if (looksLikeInvite(code.data)) {
          stop();
          resultRef.current(code.data.trim());
        } else setPhase('wrong_code');
      }, SCAN_EVERY_MS);
      giveUp = setTimeout(() => {
        if (stopped) return;
        stop();
        setPhase('timeout');
      }, GIVE_UP_MS);
    })().catch(fail);
    return stop;
  }, [attempt]);

  const retry = () => {
    setPhase('starting');
    setAttempt((n) => n + 1);
    cancelRef.current?.focus();
  };
  const failed = phase === 'unavailable' || phase === 'timeout';
  const status = phase === 'starting' ? t('first.scan_starting') : phase === 'wrong_code' ? t('first.scan_wrong_code') : t('first.scan_point');
  return (
    <div class="scanner" role="region" aria-label={t('first.scan_region')} data-testid="join-scanner">
      {failed ? (
        <p class="notice notice-error" role="alert" data-testid="join-scan-error">
          <Icon name="alert" size={20} />
          <span>{phase === 'timeout' ? t('first.scan_timeout') : t('first.scan_unavailable')}</span>
        </p>
      ) : (
        <>
          <div class="scanner-view">
            <video ref={videoRef} playsInline muted autoPlay aria-hidden="true" />
          </div>
          <p class="muted center" aria-live="polite" aria-atomic="true" data-testid="join-scan-status">
            {status}
          </p>
        </>
      )}
      <div class="row">
        {phase === 'timeout' ? (
          <button type="button" class="btn btn-secondary" onClick={retry}>
            {t('common.retry')}
          </button>
        ) : null}
        <button ref={cancelRef} type="button" class="btn btn-ghost" data-testid="join-scan-cancel" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </div>
  );
}
